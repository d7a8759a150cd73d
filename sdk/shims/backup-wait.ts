/** The wait step's provider shim as a module of its own; see `manual-backup.ts` beside it. */
import { providerShim } from "../provider-shim";

export = providerShim("BackupWait");
