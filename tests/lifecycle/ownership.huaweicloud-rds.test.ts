import { HUAWEI_RDS } from "./cases";
import { ownershipSuites } from "./ownership";

ownershipSuites(HUAWEI_RDS);
