using Dapper;
using Slo.Engine.Gating;

namespace Slo.Api.Storage;

/// <summary>A stored override with its id.</summary>
public sealed record StoredOverride(string Id, GateOverride Override);

/// <summary>A stored gate decision (audit row). <see cref="Checks"/> is the JSON of the checks as served; <see cref="ChecksHash"/> its SHA-256.</summary>
public sealed class StoredDecision
{
    public string Id { get; set; } = "";
    public string Service { get; set; } = "";
    public Instant DecidedAt { get; set; }
    public string Decision { get; set; } = "";
    public bool Overridden { get; set; }
    public string? OverrideId { get; set; }
    public string ChecksHash { get; set; } = "";
    public string Checks { get; set; } = "";

    /// <summary>How many requests this decision answered.</summary>
    public int Requests { get; set; }
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
        var o = stored.Override;
        await database.WriteAsync("gate_overrides", (connection, transaction) => connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO gate_overrides (id, service, reason, created_by, created_at, expires_at)
            VALUES (@Id, @Service, @Reason, @CreatedBy, @CreatedAt, @ExpiresAt)
            """,
            new { stored.Id, o.Service, o.Reason, o.CreatedBy, o.CreatedAt, o.ExpiresAt },
            transaction,
            cancellationToken: cancellationToken)), cancellationToken);
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
        await database.WriteAsync("gate_decisions", async (connection, transaction) =>
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO gate_check_sets (hash, checks)
                SELECT @ChecksHash, @Checks
                WHERE NOT EXISTS (SELECT 1 FROM gate_check_sets WHERE hash = @ChecksHash)
                """,
                decisions.DistinctBy(d => d.ChecksHash).Select(d => new { d.ChecksHash, d.Checks }),
                transaction,
                cancellationToken: cancellationToken));
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO gate_decisions (id, service, decided_at, decision, overridden, override_id, requests, checks_hash)
                VALUES (@Id, @Service, @DecidedAt, @Decision, @Overridden, @OverrideId, @Requests, @ChecksHash)
                """,
                decisions,
                transaction,
                cancellationToken: cancellationToken));
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<StoredDecision>> DecisionsAsync(string service, Instant from, Instant to, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<StoredDecision>(new CommandDefinition(
            """
            SELECT d.id AS Id, d.service AS Service, d.decided_at AS DecidedAt, d.decision AS Decision, d.overridden AS Overridden,
                   d.override_id AS OverrideId, d.requests AS Requests, d.checks_hash AS ChecksHash, c.checks AS Checks
            FROM gate_decisions d JOIN gate_check_sets c ON c.hash = d.checks_hash
            WHERE d.service = @Service AND d.decided_at >= @From AND d.decided_at <= @To
            ORDER BY d.decided_at
            """,
            new { Service = service, From = from, To = to },
            cancellationToken: cancellationToken));
        return rows.AsList();
    }
}
