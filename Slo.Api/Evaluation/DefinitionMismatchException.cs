namespace Slo.Api.Evaluation;

/// <summary>A definition that does not fit the data, e.g. a latency threshold that is no bucket bound of the histogram.</summary>
public sealed class DefinitionMismatchException(string message) : Exception(message);

/// <summary>The ledger does not hold the counts a measurement needs (not fetched yet, or older than it keeps).</summary>
public sealed class LedgerGapException(string message) : Exception(message);
