import { HUAWEI_RDS } from "./cases";
import { unfinishedStateSuites } from "./unfinished-state";

unfinishedStateSuites(HUAWEI_RDS);
