import { ALICLOUD } from "./cases";
import { deleteOutcomesSuite } from "./delete-outcomes";

deleteOutcomesSuite(ALICLOUD);
