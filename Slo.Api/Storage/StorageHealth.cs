using System.Collections.Concurrent;

namespace Slo.Api.Storage;

/// <summary>
/// Whether the database takes writes. It is failing from a failed durable write until a later write succeeds: the
/// evaluator writes every cycle, so a store that recovers is seen within one interval, and readiness fails meanwhile,
/// so an operator (or Kubernetes) sees a store that stopped taking data instead of a service that answers 200 and forgets.
/// </summary>
public sealed class StorageHealth
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Failure> _failing = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _failures = new(StringComparer.Ordinal);

    /// <summary>A kind of write that failed since the last successful write.</summary>
    public sealed record Failure(string Operation, string Message, DateTimeOffset Since);

    /// <summary>The kinds of write that failed since the last write that succeeded, oldest first.</summary>
    public IReadOnlyList<Failure> Failing
    {
        get
        {
            lock (_lock)
                return _failing.Values.OrderBy(f => f.Since).ToArray();
        }
    }

    /// <summary>Failed writes since start, by kind.</summary>
    public IReadOnlyDictionary<string, long> FailureCounts => _failures;

    public void Succeeded()
    {
        lock (_lock)
            _failing.Clear();
    }

    public void Failed(string operation, Exception error)
    {
        _failures.AddOrUpdate(operation, 1, (_, n) => n + 1);
        var message = error is StorageException ? error.Message : $"{error.GetType().Name}: {error.Message}";
        lock (_lock)
        {
            _failing[operation] = _failing.TryGetValue(operation, out var old)
                ? old with { Message = message }
                : new Failure(operation, message, DateTimeOffset.UtcNow);
        }
    }
}

/// <summary>The store cannot make a write durable (its file moved away, say); nothing of the write was kept.</summary>
public sealed class StorageException(string message) : Exception(message);

/// <summary>A request whose write the database refused answers 503 with why, never 500 or a false 201.</summary>
public sealed class StorageExceptionHandler(Microsoft.AspNetCore.Http.IProblemDetailsService problems) : Microsoft.AspNetCore.Diagnostics.IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(Microsoft.AspNetCore.Http.HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not (StorageException or System.Data.Common.DbException))
            return false;
        context.Response.StatusCode = Microsoft.AspNetCore.Http.StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = "30";
        return await problems.TryWriteAsync(new Microsoft.AspNetCore.Http.ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails =
            {
                Status = Microsoft.AspNetCore.Http.StatusCodes.Status503ServiceUnavailable,
                Title = "Storage unavailable",
                Detail = "the database did not take the write, so nothing was stored: " +
                         (exception is StorageException ? exception.Message : exception.GetType().Name + ": " + exception.Message),
            },
        });
    }
}
