import { ALICLOUD } from "./cases";
import { instanceSharingSuite } from "./instance-sharing";

instanceSharingSuite(ALICLOUD);
