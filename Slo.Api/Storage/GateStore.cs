using Dapper;
using Slo.Engine.Gating;

namespace Slo.Api.Storage;

/// <summary>A stored override with its id.</summary>
public sealed record StoredOverride(string Id, GateOverride Override);

/// <summary>A stored gate decision (audit row). <see cref="Checks"/> is the JSON of the checks as served.</summary>
public sealed class StoredDecision
{
    public string Id { get; set; } = "";
    public string Service { get; set; } = "";
    public Instant DecidedAt { get; set; }
    public string Decision { get; set; } = "";
    public bool Overridden { get; set; }
    public string? OverrideId { get; set; }
    public string Checks { get; set; } = "";
}

/// <summary>Gate overrides and the audit trail of decisions, with the same Dapper queries on both providers.</summary>
public sealed class GateStore(SqlDatabase database)
{
    private sealed class OverrideRow
    {
        public string Id { get; set; } = "";
        public string Service { get; set; } = "";
        public string Reason { get; set; } = "";
        public string CreatedBy { get; set; } = "";
        public Instant CreatedAt { get; set; }
        public Instant ExpiresAt { get; set; }
    }

    public async Task AddOverrideAsync(StoredOverride stored, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var o = stored.Override;
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO gate_overrides (id, service, reason, created_by, created_at, expires_at)
            VALUES (@Id, @Service, @Reason, @CreatedBy, @CreatedAt, @ExpiresAt)
            """,
            new { stored.Id, o.Service, o.Reason, o.CreatedBy, o.CreatedAt, o.ExpiresAt },
            cancellationToken: cancellationToken));
    }

    /// <summary>Overrides that have not expired at <paramref name="now"/>.</summary>
    public async Task<IReadOnlyList<StoredOverride>> ActiveOverridesAsync(Instant now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<OverrideRow>(new CommandDefinition(
            """
            SELECT id AS Id, service AS Service, reason AS Reason, created_by AS CreatedBy, created_at AS CreatedAt, expires_at AS ExpiresAt
            FROM gate_overrides WHERE expires_at > @Now
            """,
            new { Now = now },
            cancellationToken: cancellationToken));
        return rows.Select(r => new StoredOverride(r.Id, new GateOverride(r.Service, r.Reason, r.CreatedBy, r.CreatedAt, r.ExpiresAt))).ToArray();
    }

    public async Task AddDecisionsAsync(IReadOnlyCollection<StoredDecision> decisions, CancellationToken cancellationToken)
    {
        if (decisions.Count == 0)
            return;
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO gate_decisions (id, service, decided_at, decision, overridden, override_id, checks)
            VALUES (@Id, @Service, @DecidedAt, @Decision, @Overridden, @OverrideId, @Checks)
            """,
            decisions,
            transaction,
            cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<StoredDecision>> DecisionsAsync(string service, Instant from, Instant to, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<StoredDecision>(new CommandDefinition(
            """
            SELECT id AS Id, service AS Service, decided_at AS DecidedAt, decision AS Decision, overridden AS Overridden,
                   override_id AS OverrideId, checks AS Checks
            FROM gate_decisions WHERE service = @Service AND decided_at >= @From AND decided_at <= @To
            ORDER BY decided_at
            """,
            new { Service = service, From = from, To = to },
            cancellationToken: cancellationToken));
        return rows.AsList();
    }
}
