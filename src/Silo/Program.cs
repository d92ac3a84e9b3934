Console.WriteLine("restmail");
