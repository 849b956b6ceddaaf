"""Why a training job stopped (the command line reports them as errors, exit status 2)."""


class TrainingDiverged(RuntimeError):
    """The training loss became NaN or infinite; the last good epoch's checkpoint is kept."""


class WorkerStartupError(RuntimeError):
    """Some worker of a multi-worker cluster did not answer within the start-up timeout."""
