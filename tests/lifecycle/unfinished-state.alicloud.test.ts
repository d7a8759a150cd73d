import { ALICLOUD } from "./cases";
import { unfinishedStateSuites } from "./unfinished-state";

unfinishedStateSuites(ALICLOUD);
