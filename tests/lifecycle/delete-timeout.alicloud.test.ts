import { ALICLOUD } from "./cases";
import { deleteTimeoutSuite } from "./delete-timeout";

deleteTimeoutSuite(ALICLOUD);
