using Dapper;

namespace Slo.Api.Storage;

/// <summary>The alert state of one objective and tier (see migration 0003).</summary>
public sealed class AlertRecord
{
    public const string Firing = "firing";
    public const string Resolved = "resolved";

    public string ObjectiveId { get; set; } = "";
    public string TierKey { get; set; } = "";
    public string State { get; set; } = Firing;
    public Instant StartedAt { get; set; }
    public Instant? ResolvedAt { get; set; }
    public Instant? LastSentAt { get; set; }
    public bool ResolutionSent { get; set; }
    public bool WebhookFiringSent { get; set; }
    public bool WebhookResolvedSent { get; set; }

    public AlertRecord Copy() => (AlertRecord)MemberwiseClone();
}

/// <summary>Alert states in SQL, with the same Dapper queries on both providers (update, then insert when absent).</summary>
public sealed class AlertStateStore(SqlDatabase database)
{
    private const string Columns = """
        objective_id AS ObjectiveId, tier_key AS TierKey, state AS State, started_at AS StartedAt, resolved_at AS ResolvedAt,
        last_sent_at AS LastSentAt, resolution_sent AS ResolutionSent, webhook_firing_sent AS WebhookFiringSent,
        webhook_resolved_sent AS WebhookResolvedSent
        """;

    public async Task<IReadOnlyList<AlertRecord>> AllAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<AlertRecord>(new CommandDefinition($"SELECT {Columns} FROM alert_states", cancellationToken: cancellationToken))).AsList();
    }

    public async Task SaveAsync(IReadOnlyCollection<AlertRecord> records, CancellationToken cancellationToken)
    {
        if (records.Count == 0)
            return;
        await database.WriteAsync("alert_states", async (connection, transaction) =>
        {
            foreach (var record in records)
            {
                var updated = await connection.ExecuteAsync(new CommandDefinition(
                    """
                    UPDATE alert_states SET state = @State, started_at = @StartedAt, resolved_at = @ResolvedAt, last_sent_at = @LastSentAt,
                        resolution_sent = @ResolutionSent, webhook_firing_sent = @WebhookFiringSent, webhook_resolved_sent = @WebhookResolvedSent
                    WHERE objective_id = @ObjectiveId AND tier_key = @TierKey
                    """,
                    record,
                    transaction,
                    cancellationToken: cancellationToken));
                if (updated == 0)
                {
                    await connection.ExecuteAsync(new CommandDefinition(
                        """
                        INSERT INTO alert_states (objective_id, tier_key, state, started_at, resolved_at, last_sent_at, resolution_sent, webhook_firing_sent, webhook_resolved_sent)
                        VALUES (@ObjectiveId, @TierKey, @State, @StartedAt, @ResolvedAt, @LastSentAt, @ResolutionSent, @WebhookFiringSent, @WebhookResolvedSent)
                        """,
                        record,
                        transaction,
                        cancellationToken: cancellationToken));
                }
            }
        }, cancellationToken);
    }
}
