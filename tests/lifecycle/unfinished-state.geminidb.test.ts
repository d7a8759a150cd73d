import { GEMINIDB } from "./cases";
import { unfinishedStateSuites } from "./unfinished-state";

unfinishedStateSuites(GEMINIDB);
