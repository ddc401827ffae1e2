using System.Globalization;
using Slo.Benchmarks;

// usage: Slo.Benchmarks ledger [OBJECTIVES] [MINUTES] [--service-only] [--days=N]
//        Slo.Benchmarks replicas [OBJECTIVES] [MINUTES] [--days=N]
//        Slo.Benchmarks http [OBJECTIVES] [SECONDS] [CONNECTIONS]
var mode = args.Length > 0 ? args[0] : "ledger";
switch (mode)
{
    case "http":
        var count = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1000;
        var seconds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 15;
        var connections = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 64;
        return await HttpBenchmark.RunAsync(count, seconds, connections);
    case "ledger":
        return await LedgerBenchmark.RunAsync(LedgerOptions.Parse(args[1..]));
    case "replicas":
        return await ReplicaBenchmark.RunAsync(LedgerOptions.Parse(args[1..]));
    default:
        Console.Error.WriteLine($"unknown benchmark '{mode}'; known: ledger, replicas, http");
        return 2;
}
