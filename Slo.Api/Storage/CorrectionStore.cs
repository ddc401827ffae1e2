using Dapper;
using NodaTime.Text;
using Slo.Engine.Corrections;

namespace Slo.Api.Storage;

/// <summary>
/// Corrections posted through the API, and the audit of every creation and deletion (who, why, when), with the same
/// Dapper queries on both providers. A deletion marks the row; nothing is ever erased.
/// </summary>
public sealed class CorrectionStore(SqlDatabase database)
{
    private sealed class Row
    {
        public string Id { get; set; } = "";
        public string Service { get; set; } = "";
        public string Objectives { get; set; } = "";
        public string StartLocal { get; set; } = "";
        public string Length { get; set; } = "";
        public string TimeZone { get; set; } = "";
        public string? RRule { get; set; }
        public string Reason { get; set; } = "";
        public string CreatedBy { get; set; } = "";
        public Instant CreatedAt { get; set; }
    }

    /// <summary>One entry of the audit trail.</summary>
    public sealed record AuditEntry(string CorrectionId, string Action, string Actor, string Reason, Instant At, string Details);

    private sealed class AuditRow
    {
        public string CorrectionId { get; set; } = "";
        public string Action { get; set; } = "";
        public string Actor { get; set; } = "";
        public string Reason { get; set; } = "";
        public Instant At { get; set; }
        public string Details { get; set; } = "";
    }

    public async Task AddAsync(Correction correction, CancellationToken cancellationToken)
    {
        var row = new
        {
            correction.Id,
            correction.Service,
            Objectives = string.Join(',', correction.Objectives),
            StartLocal = LocalDateTimePattern.GeneralIso.Format(correction.Start),
            Length = PeriodPattern.Roundtrip.Format(correction.Length),
            TimeZone = correction.Zone.Id,
            RRule = correction.Recurrence,
            correction.Reason,
            CreatedBy = correction.CreatedBy ?? "",
            CreatedAt = correction.CreatedAt ?? throw new ArgumentException("A stored correction needs its creation instant.", nameof(correction)),
        };
        await database.WriteAsync("corrections", async (connection, transaction) =>
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO corrections (id, service, objectives, start_local, length, time_zone, rrule, reason, created_by, created_at)
                VALUES (@Id, @Service, @Objectives, @StartLocal, @Length, @TimeZone, @RRule, @Reason, @CreatedBy, @CreatedAt)
                """,
                row,
                transaction,
                cancellationToken: cancellationToken));
            await Audit(connection, transaction, correction.Id, "create", row.CreatedBy, correction.Reason, row.CreatedAt, correction.ToString(), cancellationToken);
        }, cancellationToken);
    }

    /// <summary>Marks a correction of <paramref name="service"/> deleted; false when it has none by that id.</summary>
    public Task<bool> DeleteAsync(string service, string id, string actor, string reason, Instant at, CancellationToken cancellationToken) =>
        database.WriteAsync("corrections", async (connection, transaction) =>
        {
            var changed = await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE corrections SET deleted_at = @At, deleted_by = @Actor WHERE id = @Id AND service = @Service AND deleted_at IS NULL",
                new { Id = id, Service = service, At = at, Actor = actor },
                transaction,
                cancellationToken: cancellationToken));
            if (changed == 0)
                return false;
            await Audit(connection, transaction, id, "delete", actor, reason, at, "", cancellationToken);
            return true;
        }, cancellationToken);

    /// <summary>Every correction not deleted.</summary>
    public async Task<IReadOnlyList<Correction>> ActiveAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            """
            SELECT id AS Id, service AS Service, objectives AS Objectives, start_local AS StartLocal, length AS Length,
                   time_zone AS TimeZone, rrule AS RRule, reason AS Reason, created_by AS CreatedBy, created_at AS CreatedAt
            FROM corrections WHERE deleted_at IS NULL ORDER BY created_at, id
            """,
            cancellationToken: cancellationToken));
        return rows.Select(r => new Correction
        {
            Id = r.Id,
            Service = r.Service,
            Objectives = r.Objectives.Split(',', StringSplitOptions.RemoveEmptyEntries),
            Start = LocalDateTimePattern.GeneralIso.Parse(r.StartLocal).Value,
            Length = PeriodPattern.Roundtrip.Parse(r.Length).Value,
            Zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(r.TimeZone) ?? DateTimeZone.Utc,
            Recurrence = r.RRule,
            Reason = r.Reason,
            CreatedBy = r.CreatedBy,
            CreatedAt = r.CreatedAt,
        }).ToArray();
    }

    /// <summary>The audit trail of one correction, oldest first.</summary>
    public async Task<IReadOnlyList<AuditEntry>> AuditAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<AuditRow>(new CommandDefinition(
            """
            SELECT correction_id AS CorrectionId, action AS Action, actor AS Actor, reason AS Reason, at AS At, details AS Details
            FROM correction_audit WHERE correction_id = @Id ORDER BY at
            """,
            new { Id = id },
            cancellationToken: cancellationToken));
        return rows.Select(r => new AuditEntry(r.CorrectionId, r.Action, r.Actor, r.Reason, r.At, r.Details)).ToArray();
    }

    private static Task Audit(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, string id, string action, string actor,
        string reason, Instant at, string details, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO correction_audit (correction_id, action, actor, reason, at, details) VALUES (@Id, @Action, @Actor, @Reason, @At, @Details)",
            new { Id = id, Action = action, Actor = actor, Reason = reason, At = at, Details = details },
            transaction,
            cancellationToken: cancellationToken));
}
