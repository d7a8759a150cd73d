import { GEMINIDB } from "./cases";
import { deleteOutcomesSuite } from "./delete-outcomes";

deleteOutcomesSuite(GEMINIDB);
