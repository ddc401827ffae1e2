using Slo.Api.Hosting;
using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Slo.Api.Api;
using Slo.Api.Definitions;
using Slo.Api.Evaluation;
using Slo.Api.Storage;
using Slo.Engine.Gating;

namespace Slo.Api.Gate;

/// <summary>
/// Decides the release gate of a service from the latest statuses and the active override, and writes every decision
/// to the audit trail. Decisions are served from memory; their audit rows are written in batches by
/// <see cref="GateAuditWriter"/>, so a busy CI fleet does not wait on the database.
/// </summary>
public sealed class GateService(DefinitionCatalog catalog, StatusBoard board, GateStore store, IClock clock, GateAuditQueue audit)
{
    private readonly ConcurrentDictionary<string, StoredOverride> _overrides = new(StringComparer.Ordinal);
    private int _loaded;

    /// <summary>Loads the overrides still active; called once at start-up.</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        foreach (var stored in await store.ActiveOverridesAsync(clock.Now(), cancellationToken))
            Keep(stored);
        Interlocked.Exchange(ref _loaded, 1);
    }

    /// <summary>The decision for <paramref name="service"/>, or null when no such service is defined.</summary>
    public GateDecisionDto? Decide(string service)
    {
        var definition = catalog.Current.FindService(service);
        if (definition is null)
            return null;
        var now = clock.Now();
        var active = _overrides.TryGetValue(service, out var stored) && stored.Override.IsActiveAt(now) ? stored : null;
        var statuses = definition.Objectives.Select(o => board.Get(o.Id)).OfType<Engine.Evaluation.ObjectiveStatus>().ToArray();
        var decision = GateEvaluator.Decide(definition, statuses, now, active?.Override);
        var dto = decision.ToDto(active?.Id);
        audit.Enqueue(new StoredDecision
        {
            Id = Guid.NewGuid().ToString("N"),
            Service = service,
            DecidedAt = now,
            Decision = dto.Decision,
            Overridden = dto.Overridden,
            OverrideId = dto.Override?.Id,
            Checks = JsonSerializer.Serialize(dto.Checks, ApiJson.Options),
        });
        return dto;
    }

    /// <summary>Stores an override (validated by the caller) and makes it active at once.</summary>
    public async Task<StoredOverride> AddOverrideAsync(GateOverride value, CancellationToken cancellationToken)
    {
        var stored = new StoredOverride(Guid.NewGuid().ToString("N"), value);
        await store.AddOverrideAsync(stored, cancellationToken);
        Keep(stored);
        return stored;
    }

    // The override that lasts longest wins; an expired one is replaced by any newer one.
    private void Keep(StoredOverride stored) =>
        _overrides.AddOrUpdate(stored.Override.Service, stored, (_, existing) => stored.Override.ExpiresAt > existing.Override.ExpiresAt ? stored : existing);
}

/// <summary>Decisions waiting to be written. Bounded: when the database falls far behind, requests wait rather than lose audit rows.</summary>
public sealed class GateAuditQueue
{
    private readonly Channel<StoredDecision> _channel = Channel.CreateBounded<StoredDecision>(
        new BoundedChannelOptions(100_000) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

    public ChannelReader<StoredDecision> Reader => _channel.Reader;

    public void Enqueue(StoredDecision decision)
    {
        if (!_channel.Writer.TryWrite(decision))
            _channel.Writer.WriteAsync(decision).AsTask().GetAwaiter().GetResult();
    }

    public void Complete() => _channel.Writer.TryComplete();
}

/// <summary>Writes queued gate decisions in batches; drains the queue on shutdown.</summary>
public sealed class GateAuditWriter(GateAuditQueue queue, GateStore store, GateService gates, ILogger<GateAuditWriter> logger) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await gates.LoadAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        queue.Complete();
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<StoredDecision>(1000);
        // Not bound to stoppingToken: on shutdown the queue is completed and drained, so no decision goes unrecorded.
        while (await queue.Reader.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < 1000 && queue.Reader.TryRead(out var decision))
                batch.Add(decision);
            try
            {
                await store.AddDecisionsAsync(batch, CancellationToken.None);
            }
            catch (Exception e)
            {
                logger.LogError(e, "Writing {Count} gate decisions to the audit trail failed", batch.Count);
            }

            batch.Clear();
        }
    }
}
