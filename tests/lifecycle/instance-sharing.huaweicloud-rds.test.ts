import { HUAWEI_RDS } from "./cases";
import { instanceSharingSuite } from "./instance-sharing";

instanceSharingSuite(HUAWEI_RDS);
