using System.Runtime.InteropServices;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Slo.Api.Evaluation;
using Slo.Api.Hosting;
using Slo.Engine.Definitions;

namespace Slo.Api.Definitions;

/// <summary>
/// Reloads the definitions without a restart: on SIGHUP, on <c>POST /-/reload</c> and when a file under
/// <c>Definitions:Path</c> changes (a watcher, debounced, since editors write a temporary file and rename it and a
/// Kubernetes ConfigMap swaps its <c>..data</c> link; and a comparison of the files' contents every
/// <c>Definitions:CheckInterval</c>, where the watcher misses events). One reload runs at a time. After the running set
/// changed, the parts that keep per-objective state follow: removed objectives leave the ledgers and the board,
/// corrections and gate decisions are recomputed, changed objectives are re-evaluated from their ledgers at once, new ones
/// get their history backfilled, and the next evaluation cycle starts without waiting for the interval.
/// </summary>
public sealed class DefinitionReloader : BackgroundService
{
    /// <summary>How long the files must be quiet before a change is read: an editor's or the kubelet's burst is one reload.</summary>
    public static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(500);

    private readonly DefinitionCatalog _catalog;
    private readonly IOptions<DefinitionsOptions> _options;
    private readonly Ledger.LedgerBook _ledgers;
    private readonly StatusBoard _board;
    private readonly Corrections.CorrectionBook _corrections;
    private readonly Gate.GateService _gates;
    private readonly EvaluationWorker _worker;
    private readonly HistoryBackfill _backfill;
    private readonly IOptions<HistoryOptions> _history;
    private readonly IClock _clock;
    private readonly Alerting.AlertTracker _alerts;
    private readonly ILogger<DefinitionReloader> _logger;
    private readonly SemaphoreSlim _one = new(1, 1);
    private readonly Channel<ReloadTrigger> _signals = Channel.CreateBounded<ReloadTrigger>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Channel<bool> _fileEvents = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private CancellationToken _stopping;

    public DefinitionReloader(
        DefinitionCatalog catalog,
        IOptions<DefinitionsOptions> options,
        Ledger.LedgerBook ledgers,
        StatusBoard board,
        Corrections.CorrectionBook corrections,
        Gate.GateService gates,
        EvaluationWorker worker,
        HistoryBackfill backfill,
        IOptions<HistoryOptions> history,
        IClock clock,
        Alerting.AlertTracker alerts,
        ILogger<DefinitionReloader> logger)
    {
        _catalog = catalog;
        _options = options;
        _ledgers = ledgers;
        _board = board;
        _corrections = corrections;
        _gates = gates;
        _worker = worker;
        _backfill = backfill;
        _history = history;
        _clock = clock;
        _alerts = alerts;
        _logger = logger;
        catalog.Changed += Follow;
        // A cycle that began before a reload still measured the old set: what it wrote for objectives gone since goes too.
        board.CycleCompleted += (_, _) =>
        {
            var current = catalog.Current;
            board.Retain(current);
            ledgers.Forget(current);
        };
    }

    /// <summary>Reloads now; the answer says whether the new set was taken, what changed, or every error.</summary>
    public async Task<ReloadAttempt> ReloadAsync(ReloadTrigger trigger, CancellationToken cancellationToken)
    {
        await _one.WaitAsync(cancellationToken);
        try
        {
            // File reads and validation: off the caller's thread (a signal handler, a request).
            return await Task.Run(() => _catalog.Reload(trigger), cancellationToken);
        }
        finally
        {
            _one.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        using var sighup = RegisterSighup();
        using var watcher = _options.Value.Watch ? Watch(_options.Value.Path) : null;
        var signals = ReadSignalsAsync(stoppingToken);
        var files = _options.Value.Watch ? WatchFilesAsync(stoppingToken) : Task.CompletedTask;
        try
        {
            await Task.WhenAll(signals, files);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private IDisposable? RegisterSighup()
    {
        if (OperatingSystem.IsWindows())
            return null;
        // Handled, the signal no longer ends the process (its default action).
        return PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            _signals.Writer.TryWrite(ReloadTrigger.Sighup);
        });
    }

    private async Task ReadSignalsAsync(CancellationToken stoppingToken)
    {
        await foreach (var trigger in _signals.Reader.ReadAllAsync(stoppingToken))
            await SafelyAsync(trigger, stoppingToken);
    }

    /// <summary>Reads the folder again when a watcher event settles or the periodic check finds other contents; the
    /// contents are compared first, so a touched file, an unrelated event or an attempt already made costs no reload.</summary>
    private async Task WatchFilesAsync(CancellationToken stoppingToken)
    {
        var check = _options.Value.GetCheckInterval().ToTimeSpan();
        while (!stoppingToken.IsCancellationRequested)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(check);
            try
            {
                await _fileEvents.Reader.ReadAsync(timeout.Token);
                // Wait until the burst is over.
                while (true)
                {
                    await Task.Delay(Debounce, stoppingToken);
                    if (!_fileEvents.Reader.TryRead(out _))
                        break;
                }
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // The periodic check.
            }

            var path = _options.Value.Path;
            if (await Task.Run(() => DefinitionCatalog.Signature(path), stoppingToken) != _catalog.FilesSignature)
                await SafelyAsync(ReloadTrigger.File, stoppingToken);
        }
    }

    private FileSystemWatcher? Watch(string path)
    {
        if (!Directory.Exists(path))
        {
            _logger.LogWarning("Definitions:Path {Path} does not exist; only the periodic check will notice it appear", path);
            return null;
        }

        try
        {
            var watcher = new FileSystemWatcher(path)
            {
                IncludeSubdirectories = true,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
            };
            FileSystemEventHandler changed = (_, _) => _fileEvents.Writer.TryWrite(true);
            watcher.Changed += changed;
            watcher.Created += changed;
            watcher.Deleted += changed;
            watcher.Renamed += (_, _) => _fileEvents.Writer.TryWrite(true);
            watcher.Error += (_, e) =>
            {
                // Too many events at once (the inotify queue overflowed): read everything again.
                _logger.LogWarning("Watching {Path} lost events ({Reason}); the files are compared again", path, e.GetException().Message);
                _fileEvents.Writer.TryWrite(true);
            };
            watcher.EnableRaisingEvents = true;
            return watcher;
        }
        catch (Exception e) when (e is IOException or ArgumentException or PlatformNotSupportedException or UnauthorizedAccessException)
        {
            // inotify limits reached, say: the periodic check still sees every change.
            _logger.LogWarning("Cannot watch {Path} ({Reason}); changes are found by the check every {Interval}", path, e.Message, _options.Value.CheckInterval);
            return null;
        }
    }

    private async Task SafelyAsync(ReloadTrigger trigger, CancellationToken stoppingToken)
    {
        try
        {
            await ReloadAsync(trigger, stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            _logger.LogError(e, "Reloading the definitions ({Trigger}) failed", trigger);
        }
    }

    /// <summary>What follows a change of the running set (a reload, or grouped objectives' values coming and going).</summary>
    private void Follow(DefinitionsChanged change)
    {
        // The new set is in place whatever happens here: a failure costs a part its tidy-up until the next cycle, never
        // the reload (nor the request or signal that asked for it).
        try
        {
            var current = change.Current;
            // Their open incidents resolve at the next cycle, with the labels they fired with.
            _alerts.RememberDeparted(change.Changes.Removed.Concat(change.Changes.Changed).Select(change.Previous.Find).OfType<Objective>(), _clock.Now() + Duration.FromDays(1));
            _ledgers.Forget(current);
            _board.Retain(current);
            _corrections.Invalidate();
            _gates.Invalidate();
            // A new target or alert policy shows at once: the ledger already holds the counts.
            _worker.Reevaluate(change.Changes.Changed.Select(current.Find).OfType<Objective>());
            _worker.RequestCycle();
            var added = change.Changes.Added.Select(current.Find).OfType<Objective>().ToArray();
            if (added.Length > 0 && _history.Value.Backfill)
                _ = BackfillAsync(added);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Following the change of the definitions failed; the next cycle catches up");
            _worker.RequestCycle();
        }
    }

    private async Task BackfillAsync(IReadOnlyCollection<Objective> added)
    {
        try
        {
            // After the cycle that counts them, so the backfill extends ledgers rather than racing to start them.
            await Task.Delay(TimeSpan.FromSeconds(1), _stopping);
            foreach (var batch in added.Chunk(25))
                await _backfill.BackfillAsync(batch, _clock.Now(), _history.Value.GetBackfillStep(), _stopping);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
