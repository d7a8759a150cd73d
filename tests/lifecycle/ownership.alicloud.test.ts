import { ALICLOUD } from "./cases";
import { ownershipSuites } from "./ownership";

ownershipSuites(ALICLOUD);
