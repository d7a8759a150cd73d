import { HUAWEI_RDS } from "./cases";
import { deleteTimeoutSuite } from "./delete-timeout";

deleteTimeoutSuite(HUAWEI_RDS);
