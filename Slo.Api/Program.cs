using Slo.Api.Cli;

return await SloCommandLine.RunAsync(args, Console.Out, Console.Error);
