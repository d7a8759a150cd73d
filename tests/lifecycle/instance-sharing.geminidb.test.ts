import { GEMINIDB } from "./cases";
import { instanceSharingSuite } from "./instance-sharing";

instanceSharingSuite(GEMINIDB);
