/** Everything an action needs to run a task graph (see DESIGN.md "Tasks are data"). */
export { execute, type ExecuteOptions, type ExecuteResult, type PlannedTask } from './execute.js';
export { NO_HOST, hostKey, type Task, type TaskChange, type TaskContext, type TaskGraph, type LogLevel } from './task.js';
export { GraphError, findGraphProblems, validateGraph, describeProblem, type GraphProblem } from './validate.js';
export { TransientError, isTransient, backoffDelayMs, DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.js';
export { TaskTimeoutError } from './attempt.js';
export { MemoryJournal, type Journal } from './journal.js';
export { FileJournal, type FileJournalOptions } from './journal-file.js';
export { JournalError } from './journal-session.js';
export { parseJournal, type JournalState, type JournalRecord } from './journal-format.js';
export { Cancellation, installSignalHandlers, type SignalSource } from './cancellation.js';
export { Redactor, REDACTED } from './redact.js';
export { systemClock, type Clock } from './clock.js';
export { indexGraph, remainingPathLengths, measuredCriticalPath, topologicalOrder, type CriticalPath, type GraphIndex } from './critical-path.js';
export type {
  ExecutorEvent,
  EventListener,
  RunStartEvent,
  TaskStartEvent,
  TaskDoneEvent,
  TaskSkippedEvent,
  TaskPlannedEvent,
  TaskRetryEvent,
  TaskFailedEvent,
  LogEvent,
  RunDoneEvent,
  RunStatus,
  RunTotals,
  ErrorInfo,
  FailedTaskSummary,
} from './events.js';
