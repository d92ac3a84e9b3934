using RestMail.Silo.Cli;

return await RestMailCli.RunAsync(args, Console.Out, Console.Error);
