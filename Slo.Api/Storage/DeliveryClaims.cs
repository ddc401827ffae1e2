using Dapper;

namespace Slo.Api.Storage;

/// <summary>
/// Claims on alert deliveries (table <c>alert_deliveries</c>): before a replica sends a transition (an incident's start
/// or its resolution) to a target, it claims it here, so no other replica sends it too. A claim is kept until marked
/// sent; one that was never marked (its replica died while sending) may be taken again after <see cref="Abandoned"/>.
/// </summary>
public sealed class DeliveryClaims(SqlDatabase database)
{
    public static readonly Duration Abandoned = Duration.FromMinutes(2);

    /// <summary>One delivery: which incident, which transition (<c>firing</c> or <c>resolved</c>), to which target.</summary>
    public sealed record Delivery(string ObjectiveId, string TierKey, Instant StartedAt, string Kind, string Target);

    private sealed class Row
    {
        public string ClaimedBy { get; init; } = "";
        public Instant ClaimedAt { get; init; }
        public Instant? SentAt { get; init; }
    }

    /// <summary>Claims what no one else holds; returns the deliveries this replica may send now.</summary>
    public Task<IReadOnlyList<Delivery>> ClaimAsync(IReadOnlyCollection<Delivery> deliveries, string replica, Instant now, CancellationToken cancellationToken) =>
        deliveries.Count == 0
            ? Task.FromResult<IReadOnlyList<Delivery>>([])
            : database.WriteAsync<IReadOnlyList<Delivery>>("alert_deliveries", async (connection, transaction) =>
            {
                var mine = new List<Delivery>();
                foreach (var d in deliveries)
                {
                    var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
                        """
                        SELECT claimed_by AS ClaimedBy, claimed_at AS ClaimedAt, sent_at AS SentAt FROM alert_deliveries
                        WHERE objective_id = @ObjectiveId AND tier_key = @TierKey AND started_at = @StartedAt AND kind = @Kind AND target = @Target
                        """,
                        d, transaction, cancellationToken: cancellationToken));
                    var args = new { d.ObjectiveId, d.TierKey, d.StartedAt, d.Kind, d.Target, Replica = replica, Now = now };
                    if (row is null)
                    {
                        await connection.ExecuteAsync(new CommandDefinition(
                            """
                            INSERT INTO alert_deliveries (objective_id, tier_key, started_at, kind, target, claimed_by, claimed_at, sent_at)
                            VALUES (@ObjectiveId, @TierKey, @StartedAt, @Kind, @Target, @Replica, @Now, NULL)
                            """,
                            args, transaction, cancellationToken: cancellationToken));
                        mine.Add(d);
                    }
                    else if (row.SentAt is null && (row.ClaimedBy == replica || row.ClaimedAt < now - Abandoned))
                    {
                        await connection.ExecuteAsync(new CommandDefinition(
                            """
                            UPDATE alert_deliveries SET claimed_by = @Replica, claimed_at = @Now
                            WHERE objective_id = @ObjectiveId AND tier_key = @TierKey AND started_at = @StartedAt AND kind = @Kind AND target = @Target
                            """,
                            args, transaction, cancellationToken: cancellationToken));
                        mine.Add(d);
                    }
                }

                return mine;
            }, cancellationToken);

    /// <summary>Marks deliveries sent: no replica sends them again.</summary>
    public Task MarkSentAsync(IReadOnlyCollection<Delivery> deliveries, Instant now, CancellationToken cancellationToken) =>
        deliveries.Count == 0
            ? Task.CompletedTask
            : database.WriteAsync("alert_deliveries", async (connection, transaction) =>
            {
                foreach (var d in deliveries)
                {
                    await connection.ExecuteAsync(new CommandDefinition(
                        """
                        UPDATE alert_deliveries SET sent_at = @Now
                        WHERE objective_id = @ObjectiveId AND tier_key = @TierKey AND started_at = @StartedAt AND kind = @Kind AND target = @Target
                        """,
                        new { d.ObjectiveId, d.TierKey, d.StartedAt, d.Kind, d.Target, Now = now }, transaction, cancellationToken: cancellationToken));
                }
            }, cancellationToken);

    /// <summary>Deletes the claims of incidents that started before <paramref name="before"/>.</summary>
    public Task<int> PruneAsync(Instant before, CancellationToken cancellationToken) =>
        database.WriteAsync("alert_deliveries", (connection, transaction) => connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM alert_deliveries WHERE started_at < @Before", new { Before = before }, transaction, cancellationToken: cancellationToken)), cancellationToken);
}
