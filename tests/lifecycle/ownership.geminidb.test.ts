import { GEMINIDB } from "./cases";
import { ownershipSuites } from "./ownership";

ownershipSuites(GEMINIDB);
