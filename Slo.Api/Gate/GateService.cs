using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Slo.Api.Api;
using Slo.Api.Definitions;
using Slo.Api.Evaluation;
using Slo.Api.Hosting;
using Slo.Api.Storage;
using Slo.Engine.Gating;

namespace Slo.Api.Gate;

/// <summary>A gate decision ready to serve: the DTO, its JSON, its HTTP status.</summary>
public sealed record ServedDecision(GateDecisionDto Decision, byte[] Json, int StatusCode);

/// <summary>
/// Decides the release gate of a service from the latest statuses and the active override. A decision is computed at
/// most once per second per service, and again at once after an evaluation cycle or a new override, so a fleet of CI
/// jobs asking together costs one computation. Every decision goes to the audit trail with the number of requests it
/// answered; <see cref="GateAuditWriter"/> writes them each second.
/// </summary>
public sealed class GateService(DefinitionCatalog catalog, StatusBoard board, GateStore store, IClock clock)
{
    private readonly ConcurrentDictionary<string, StoredOverride> _overrides = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Entry> _current = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<Entry> _retired = new();
    private long _version;

    private sealed class Entry(ServedDecision served, StoredDecision audit, long second, Instant? cycle, long version)
    {
        public ServedDecision Served { get; } = served;
        public StoredDecision Audit { get; } = audit;
        public long Second { get; } = second;
        public Instant? Cycle { get; } = cycle;
        public long Version { get; } = version;
        public bool Flushed { get; set; }

        /// <summary>Counts one more request; false once the entry has gone to the audit trail.</summary>
        public bool TryServe()
        {
            lock (this)
            {
                if (Flushed)
                    return false;
                Audit.Requests++;
                return true;
            }
        }

        public StoredDecision? Flush()
        {
            lock (this)
            {
                if (Flushed || Audit.Requests == 0)
                    return null;
                Flushed = true;
                return Audit;
            }
        }
    }

    /// <summary>Loads the overrides still active; called once at start-up.</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        foreach (var stored in await store.ActiveOverridesAsync(clock.Now(), cancellationToken))
            Keep(stored);
    }

    /// <summary>The decision for <paramref name="service"/>, or null when no such service is defined.</summary>
    public ServedDecision? Decide(string service)
    {
        var definition = catalog.Current.FindService(service);
        if (definition is null)
            return null;
        var now = clock.Now();
        var second = now.ToUnixTimeMilliseconds() / 1000;
        var cycle = board.LastCycle?.At;
        var version = Interlocked.Read(ref _version);
        if (_current.TryGetValue(service, out var entry) && entry.Second == second && entry.Cycle == cycle && entry.Version == version && entry.TryServe())
            return entry.Served;

        var fresh = Compute(definition, now, second, cycle, version);
        fresh.TryServe();
        if (_current.TryGetValue(service, out var previous))
            _retired.Enqueue(previous);
        _current[service] = fresh;
        return fresh.Served;
    }

    /// <summary>The decision as it stands, for display: not cached, not audited (showing a gate is not asking it).</summary>
    public GateDecisionDto? Preview(string service)
    {
        var definition = catalog.Current.FindService(service);
        return definition is null ? null : DecideNow(definition, clock.Now());
    }

    /// <summary>Decisions ready for the audit trail: replaced ones, and current ones older than <paramref name="before"/> (all with null).</summary>
    public IReadOnlyList<StoredDecision> CollectAudit(Instant? before)
    {
        var result = new List<StoredDecision>();
        while (_retired.TryDequeue(out var retired))
        {
            if (retired.Flush() is { } audit)
                result.Add(audit);
        }

        var cutoff = before?.ToUnixTimeMilliseconds() / 1000;
        foreach (var entry in _current.Values)
        {
            if ((cutoff is null || entry.Second < cutoff) && entry.Flush() is { } audit)
                result.Add(audit);
        }

        return result;
    }

    /// <summary>Forgets the decisions served so far: the statuses changed outside a cycle (a correction was posted).</summary>
    public void Invalidate() => Interlocked.Increment(ref _version);

    /// <summary>Stores an override (validated by the caller) and makes it active at once.</summary>
    public async Task<StoredOverride> AddOverrideAsync(GateOverride value, CancellationToken cancellationToken)
    {
        var stored = new StoredOverride(Guid.NewGuid().ToString("N"), value);
        await store.AddOverrideAsync(stored, cancellationToken);
        Keep(stored);
        return stored;
    }

    private GateDecisionDto DecideNow(Engine.Definitions.ServiceDefinition definition, Instant now)
    {
        var active = _overrides.TryGetValue(definition.Name, out var stored) && stored.Override.IsActiveAt(now) ? stored : null;
        var statuses = definition.Objectives.Select(o => board.Get(o.Id)).OfType<Engine.Evaluation.ObjectiveStatus>().ToArray();
        return GateEvaluator.Decide(definition, statuses, now, active?.Override).ToDto(active?.Id);
    }

    private Entry Compute(Engine.Definitions.ServiceDefinition definition, Instant now, long second, Instant? cycle, long version)
    {
        var dto = DecideNow(definition, now);
        var checks = JsonSerializer.Serialize(dto.Checks, ApiJson.Options);
        var status = dto.Decision switch
        {
            "fail" => StatusCodes.Status409Conflict,
            "unknown" => StatusCodes.Status503ServiceUnavailable,
            _ => StatusCodes.Status200OK,
        };
        var audit = new StoredDecision
        {
            Id = Guid.NewGuid().ToString("N"),
            Service = definition.Name,
            DecidedAt = now,
            Decision = dto.Decision,
            Overridden = dto.Overridden,
            OverrideId = dto.Override?.Id,
            Checks = checks,
            ChecksHash = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(checks))),
        };
        return new Entry(new ServedDecision(dto, JsonSerializer.SerializeToUtf8Bytes(dto, ApiJson.Options), status), audit, second, cycle, version);
    }

    // The override that lasts longest wins; cached decisions are recomputed.
    private void Keep(StoredOverride stored)
    {
        var kept = _overrides.AddOrUpdate(stored.Override.Service, stored, (_, existing) => stored.Override.ExpiresAt > existing.Override.ExpiresAt ? stored : existing);
        // Replicas read the overrides again every few seconds: decisions are computed again only when one changed.
        if (ReferenceEquals(kept, stored))
            Interlocked.Increment(ref _version);
    }
}

/// <summary>Writes the gate's decisions to the audit trail every second, and everything left on shutdown.</summary>
public sealed class GateAuditWriter(GateStore store, GateService gates, IClock clock, ILogger<GateAuditWriter> logger) : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await gates.LoadAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await WriteAsync(gates.CollectAudit(before: null));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Period, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            await WriteAsync(gates.CollectAudit(clock.Now()));
        }
    }

    private async Task WriteAsync(IReadOnlyList<StoredDecision> decisions)
    {
        try
        {
            await store.AddDecisionsAsync(decisions, CancellationToken.None);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Writing {Count} gate decisions to the audit trail failed", decisions.Count);
        }
    }
}
