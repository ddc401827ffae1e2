using System.Globalization;
using Slo.Benchmarks;

// usage: Slo.Benchmarks evaluation [OBJECTIVES] [CYCLES]
//        Slo.Benchmarks http [OBJECTIVES] [SECONDS] [CONNECTIONS]
//        Slo.Benchmarks ledger [OBJECTIVES] [MINUTES] [--service-only] [--days=N]
var mode = args.Length > 0 ? args[0] : "evaluation";
switch (mode)
{
    case "evaluation":
        var objectives = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1000;
        var cycles = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;
        return await EvaluationBenchmark.RunAsync(objectives, cycles);
    case "http":
        var count = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1000;
        var seconds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 15;
        var connections = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 64;
        return await HttpBenchmark.RunAsync(count, seconds, connections);
    case "ledger":
        return await LedgerBenchmark.RunAsync(LedgerOptions.Parse(args[1..]));
    default:
        Console.Error.WriteLine($"unknown benchmark '{mode}'; known: evaluation, http, ledger");
        return 2;
}
