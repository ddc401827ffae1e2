namespace Slo.Api.Prometheus;

/// <summary>Why a Prometheus call gave no usable answer. Each kind has its own message and its own metric label.</summary>
public enum PrometheusFailure
{
    /// <summary>No connection, refused, reset, or the circuit breaker is open.</summary>
    Unreachable,

    /// <summary>No answer within the attempt or total timeout.</summary>
    Timeout,

    /// <summary>Prometheus answered <c>status: error</c> (bad query, execution error, its own timeout).</summary>
    QueryError,

    /// <summary>The answer was not the JSON Prometheus sends (a proxy page, truncated body, garbage).</summary>
    BadResponse,

    /// <summary>A count came back NaN or infinite, or a query returned more series than it can.</summary>
    InvalidValue,

    /// <summary>The source answered 401 or 403: credentials missing, wrong or not allowed. Never retried.</summary>
    Unauthorized,
}

public sealed class PrometheusException(PrometheusFailure failure, string message, Exception? inner = null) : Exception(message, inner)
{
    public PrometheusFailure Failure { get; } = failure;

    /// <summary>The label of <see cref="Failure"/> in metrics: <c>unreachable</c>, <c>timeout</c> ...</summary>
    public string FailureName => Failure switch
    {
        PrometheusFailure.Unreachable => "unreachable",
        PrometheusFailure.Timeout => "timeout",
        PrometheusFailure.QueryError => "query_error",
        PrometheusFailure.BadResponse => "bad_response",
        PrometheusFailure.Unauthorized => "unauthorized",
        _ => "invalid_value",
    };
}
