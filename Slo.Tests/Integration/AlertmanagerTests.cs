using Slo.Api.Alerting;
using Slo.Api.Evaluation;

namespace Slo.Tests.Integration;

/// <summary>Tests with a real Alertmanager of their own (started for each test, in a folder of its own) and a service
/// whose cycles and deliveries they drive.</summary>
public abstract class AlertmanagerTests
{
    private protected AlertmanagerServer Alertmanager { get; set; } = null!;

    /// <summary>The test's folder: Alertmanager's data, and the service's definitions and database.</summary>
    protected string Directory { get; private set; } = "";

    private protected static TestScenario Scenario => IntegrationEnvironment.Scenario;

    [SetUp]
    public async Task StartAlertmanager()
    {
        Directory = Path.Combine(IntegrationEnvironment.WorkDirectory, GetType().Name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Alertmanager = await AlertmanagerServer.StartAsync(Path.Combine(Directory, "alertmanager"));
    }

    [TearDown]
    public async Task StopAlertmanager() => await Alertmanager.DisposeAsync();

    /// <summary>One evaluation cycle, then one delivery round.</summary>
    private protected static async Task CycleAndDispatch(SloHost host)
    {
        await host.Get<EvaluationWorker>().RunCycleAsync(CancellationToken.None);
        await host.Get<AlertDispatcher>().DispatchOnceAsync(CancellationToken.None);
    }
}
