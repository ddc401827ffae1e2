using Dapper;
using Slo.Api.Storage;
using Slo.Engine.Evaluation;

namespace Slo.Api.Cluster;

/// <summary>A stored status: whose, as of when, and its <see cref="SharedStatus"/> body.</summary>
public sealed record StatusRow
{
    public string ObjectiveId { get; init; } = "";
    public Instant EvaluatedAt { get; init; }
    public Instant WrittenAt { get; init; }
    public string ReplicaId { get; init; } = "";
    public string Body { get; init; } = "";
}

/// <summary>The latest status of each objective in SQL (table <c>objective_status</c>), written by the replica that
/// evaluated it and read by the others.</summary>
public sealed class StatusStore(SqlDatabase database)
{
    /// <summary>Rows written per transaction.</summary>
    private const int Batch = 2_000;

    public async Task WriteAsync(IReadOnlyCollection<ObjectiveStatus> statuses, string replica, Instant now, CancellationToken cancellationToken)
    {
        foreach (var batch in statuses.Chunk(Batch))
        {
            var rows = batch.Select(s => new StatusRow { ObjectiveId = s.Id.ToString(), EvaluatedAt = s.EvaluatedAt, WrittenAt = now, ReplicaId = replica, Body = SharedStatus.Write(s) }).ToArray();
            await database.WriteAsync("objective_status", async (connection, transaction) =>
            {
                foreach (var row in rows)
                {
                    if (await connection.ExecuteAsync(new CommandDefinition(
                            "UPDATE objective_status SET evaluated_at = @EvaluatedAt, written_at = @WrittenAt, replica_id = @ReplicaId, body = @Body WHERE objective_id = @ObjectiveId",
                            row, transaction, cancellationToken: cancellationToken)) == 0)
                    {
                        await connection.ExecuteAsync(new CommandDefinition(
                            "INSERT INTO objective_status (objective_id, evaluated_at, written_at, replica_id, body) VALUES (@ObjectiveId, @EvaluatedAt, @WrittenAt, @ReplicaId, @Body)",
                            row, transaction, cancellationToken: cancellationToken));
                    }
                }
            }, cancellationToken);
        }
    }

    /// <summary>Which objectives' rows were written at or after <paramref name="since"/>, other replicas' only, and when.</summary>
    public async Task<IReadOnlyList<(string ObjectiveId, Instant WrittenAt)>> ChangedSinceAsync(Instant since, string exceptReplica, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<(string, long)>(new CommandDefinition(
                "SELECT objective_id, written_at FROM objective_status WHERE written_at >= @Since AND replica_id <> @Replica",
                new { Since = since, Replica = exceptReplica }, cancellationToken: cancellationToken)))
            .Select(r => (r.Item1, Instant.FromUnixTimeMilliseconds(r.Item2)))
            .ToArray();
    }

    /// <summary>The rows of <paramref name="objectiveIds"/>, read a few hundred at a time.</summary>
    public async Task<IReadOnlyList<StatusRow>> ReadAsync(IReadOnlyCollection<string> objectiveIds, CancellationToken cancellationToken)
    {
        var rows = new List<StatusRow>();
        await using var connection = await database.OpenAsync(cancellationToken);
        foreach (var ids in objectiveIds.Chunk(500))
        {
            rows.AddRange(await connection.QueryAsync<StatusRow>(new CommandDefinition(
                """
                SELECT objective_id AS ObjectiveId, evaluated_at AS EvaluatedAt, written_at AS WrittenAt, replica_id AS ReplicaId, body AS Body
                FROM objective_status WHERE objective_id IN @Ids
                """,
                new { Ids = ids }, cancellationToken: cancellationToken)));
        }

        return rows;
    }
}
