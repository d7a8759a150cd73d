/**
 * RDS error codes used by the emulated backup actions, with the HTTP status and
 * message the API reference documents for each (api-reference section 1).
 */
import { AlicloudApiError } from "../../protocols/alicloud-error";

const e = (status: number, code: string, message: string) => new AlicloudApiError(status, code, message);

/** Factories so every throw site produces the documented status/code/message triple. */
export const rdsErrors = {
    missingParameter: (name: string) => e(400, "MissingParameter", `The input parameter "${name}" that is mandatory for processing this request is not supplied.`),
    parameterLeastAssociate: () => e(400, "ParameterLeastAssociate", "Must input at least one optional parameter (DBInstanceId and BackupId are required)."),
    invalidParameter: (name: string, detail: string) => e(400, "InvalidParameter", `The specified parameter "${name}" is not valid: ${detail}`),
    invalidParametersFormat: (name: string) => e(400, "InvalidParameters.Format", `Specified parameter ${name} is not valid.`),
    instanceNotFound: () => e(404, "InvalidDBInstanceName.NotFound", "The database instance does not exist."),
    instanceExists: (id: string) => e(409, "InstanceAlreadyExists", `Instance ${id} already exists.`),
    incorrectState: () => e(403, "IncorrectDBInstanceState", "Current DB instance state does not support this operation."),
    incorrectType: () => e(403, "IncorrectDBInstanceType", "Current DB instance engine and type does not support operations."),
    lockModeCreate: () => e(400, "IncorrectDBInstanceLockMode.ValueNotSupported", "The Current DB instance lock mode does not support this operation."),
    lockModeDelete: () => e(404, "IncorrectDBInstanceLockMode", "Current DB instance lock mode does not support this operation."),
    invalidBackupMethod: () => e(400, "InvalidBackupMethod.ValueNotSupport", 'The specified parameter "BackupMethod" is not valid.'),
    backupTypeNotSupported: () => e(400, "BackupType.NotSupport", "the specified backup type not support"),
    invalidDbNameFormat: () => e(400, "InvalidDBName.Format", "Specified DB name is not valid."),
    dbNotFound: () => e(404, "InvalidDB.NotFound", "Specified db does not exist or DB status does not support this operation."),
    backupJobExists: () => e(400, "BackupJobExists", "A backup job already exists in the specified DB instance."),
    backupTimesExceeded: () => e(403, "Exceeded.BackupTimes", "The backup times exceeds."),
    deleteNumExceed: () => e(400, "DeleteBackupSetNumExceed", "Delete backup set number is more than 100."),
    backupSetNotFound: () => e(404, "InvalidBackupSetID.NotFound", "Specified backup set ID does not exist."),
    backupSetDeleteNotSupport: () => e(403, "OperationDenied.BackupSetDeleteNotSupport", "The Specified backup does not support this operation."),
    startTimeFormat: () => e(400, "InvalidStartTime.Format", "Specified start time is not valid (yyyy-MM-ddTHH:mmZ)."),
    endTimeFormat: () => e(400, "InvalidEndTime.Format", "Specified end time is not valid (yyyy-MM-ddTHH:mmZ)."),
    timeRangeCombination: () => e(400, "InvalidParameterCombination", "The end time must be later than the start time."),
    pageSizeMalformed: () => e(403, "InvalidMaxRecordsPerPage.Malformed", "Specified parameter MaxRecordsPerPage is not valid (PageSize must be 30, 50 or 100)."),
    pageNumberMalformed: () => e(400, "InvalidPageNumbers.Malformed", "Specified parameter PageNumbers is not valid."),
};
