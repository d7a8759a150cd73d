import { HUAWEI_RDS } from "./cases";
import { deleteOutcomesSuite } from "./delete-outcomes";

deleteOutcomesSuite(HUAWEI_RDS);
