using System.Text.Json;
using Dapper;
using Slo.Engine.Alerting;
using Slo.Engine.Definitions;
using Slo.Engine.Evaluation;

namespace Slo.Api.Storage;

/// <summary>One stored evaluation. A stale or failed cycle is stored without numbers: at that instant they were not known.</summary>
public sealed class HistoryRecord
{
    public string ObjectiveId { get; set; } = "";
    public Instant EvaluatedAt { get; set; }
    public string State { get; set; } = "";
    public double? Sli { get; set; }
    public double? Good { get; set; }
    public double? Bad { get; set; }
    public double? Total { get; set; }
    public double? BudgetConsumed { get; set; }
    public double? BudgetRemaining { get; set; }
    public double? RemainingEvents { get; set; }

    /// <summary>JSON object of burn rate by window label, e.g. <c>{"5m":0.2,"1h":0.5}</c>.</summary>
    public string? BurnRates { get; set; }

    public string? Message { get; set; }

    /// <summary>The first record of its hour: kept when older records are thinned out.</summary>
    public bool Hourly { get; set; } = true;

    /// <summary>The record of <paramref name="status"/> for the cycle at <paramref name="cycleAt"/>.</summary>
    public static HistoryRecord From(ObjectiveStatus status, Instant cycleAt, bool hourly = true)
    {
        var fresh = status.EvaluatedAt == cycleAt && status.State is ObjectiveState.Ok or ObjectiveState.NoData;
        return new HistoryRecord
        {
            ObjectiveId = status.Id.ToString(),
            EvaluatedAt = cycleAt,
            State = status.State.ToName(),
            Sli = fresh ? status.Sli : null,
            Good = fresh ? status.Events?.Good : null,
            Bad = fresh ? status.Events?.Bad : null,
            Total = fresh ? status.Events?.Total : null,
            BudgetConsumed = fresh ? status.Budget?.Consumed : null,
            BudgetRemaining = fresh ? status.Budget?.Remaining : null,
            RemainingEvents = fresh ? status.Budget?.RemainingEvents : null,
            BurnRates = fresh ? JsonSerializer.Serialize(status.BurnRates.ToDictionary(kv => BurnWindows.Label(kv.Key), kv => kv.Value)) : null,
            Message = status.Message,
            Hourly = hourly,
        };
    }
}

/// <summary>The evaluation history in SQL, with the same Dapper queries on SQLite and SQL Server.</summary>
public sealed class EvaluationHistory(SqlDatabase database)
{
    private const string Columns = """
        objective_id AS ObjectiveId, evaluated_at AS EvaluatedAt, state AS State, sli AS Sli, good AS Good, bad AS Bad,
        total AS Total, budget_consumed AS BudgetConsumed, budget_remaining AS BudgetRemaining,
        remaining_events AS RemainingEvents, burn_rates AS BurnRates, message AS Message, hourly AS Hourly
        """;

    /// <summary>Stores records; an (objective, instant) pair already stored is left as it is, so replays are harmless.</summary>
    public async Task RecordAsync(IReadOnlyCollection<HistoryRecord> records, CancellationToken cancellationToken)
    {
        if (records.Count == 0)
            return;
        await database.WriteAsync("history", (connection, transaction) => connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO evaluation_history
                (objective_id, evaluated_at, state, sli, good, bad, total, budget_consumed, budget_remaining, remaining_events, burn_rates, message, hourly)
            SELECT @ObjectiveId, @EvaluatedAt, @State, @Sli, @Good, @Bad, @Total, @BudgetConsumed, @BudgetRemaining, @RemainingEvents, @BurnRates, @Message, @Hourly
            WHERE NOT EXISTS (SELECT 1 FROM evaluation_history WHERE objective_id = @ObjectiveId AND evaluated_at = @EvaluatedAt)
            """,
            records,
            transaction,
            cancellationToken: cancellationToken)), cancellationToken);
    }

    /// <summary>An objective's records with <paramref name="from"/> &lt;= instant &lt;= <paramref name="to"/>, oldest first.</summary>
    public async Task<IReadOnlyList<HistoryRecord>> ReadAsync(ObjectiveId id, Instant from, Instant to, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<HistoryRecord>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM evaluation_history
            WHERE objective_id = @Id AND evaluated_at >= @From AND evaluated_at <= @To
            ORDER BY evaluated_at
            """,
            new { Id = id.ToString(), From = from, To = to },
            cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>The instants already stored for an objective within a range (to skip work that is done).</summary>
    public async Task<IReadOnlyList<Instant>> InstantsAsync(ObjectiveId id, Instant from, Instant to, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Instant>(new CommandDefinition(
            "SELECT evaluated_at FROM evaluation_history WHERE objective_id = @Id AND evaluated_at >= @From AND evaluated_at <= @To ORDER BY evaluated_at",
            new { Id = id.ToString(), From = from, To = to },
            cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>Deletes records older than <paramref name="before"/>, and all but the hourly ones older than
    /// <paramref name="thinBefore"/>; returns how many.</summary>
    public async Task<int> PruneAsync(Instant before, Instant thinBefore, CancellationToken cancellationToken)
    {
        return await database.WriteAsync("history", async (connection, transaction) =>
        {
            var deleted = await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM evaluation_history WHERE evaluated_at < @Before", new { Before = before }, transaction, cancellationToken: cancellationToken));
            return deleted + await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM evaluation_history WHERE evaluated_at < @ThinBefore AND hourly = @False",
                new { ThinBefore = thinBefore, False = false },
                transaction,
                cancellationToken: cancellationToken));
        }, cancellationToken);
    }
}
