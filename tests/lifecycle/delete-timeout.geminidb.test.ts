import { GEMINIDB } from "./cases";
import { deleteTimeoutSuite } from "./delete-timeout";

deleteTimeoutSuite(GEMINIDB);
