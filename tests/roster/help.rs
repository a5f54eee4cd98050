//! Every subcommand's `--help`: examples, exit codes and the environment
//! variables it reads, snapshotted; one name for each output format.

use clap::CommandFactory;

use crate::support::Roster;

/// The path of every visible subcommand, `["db", "migrate"]` style.
fn subcommands(command: &clap::Command, prefix: &[String], out: &mut Vec<Vec<String>>) {
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        let mut path = prefix.to_vec();
        path.push(sub.get_name().to_string());
        out.push(path.clone());
        subcommands(sub, &path, out);
    }
}

fn find<'a>(command: &'a clap::Command, path: &[String]) -> &'a clap::Command {
    path.iter().fold(command, |c, name| {
        c.find_subcommand(name).expect("the subcommand exists")
    })
}

#[test]
fn every_subcommand_help_has_examples_exit_codes_and_environment() {
    let cli = roster::cli::Cli::command();
    let mut paths = vec![Vec::new()];
    subcommands(&cli, &[], &mut paths);
    assert!(paths.len() > 20, "{paths:?}");
    for path in &paths {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let run = Roster::new(&args).env("COLUMNS", "100").run();
        let name = if path.is_empty() {
            "roster".to_string()
        } else {
            path.join(" ")
        };
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        let help = &run.stdout;
        let examples = help
            .split("Examples:\n")
            .nth(1)
            .unwrap_or_else(|| panic!("`roster {name} --help` has no examples"));
        assert!(
            examples.starts_with("  roster "),
            "{name}: an example is a command line"
        );
        assert!(
            help.contains("\nExit codes:\n  0  "),
            "{name}: no exit codes"
        );
        let environment = help
            .split("\nEnvironment:\n")
            .nth(1)
            .unwrap_or_else(|| panic!("`roster {name} --help` names no environment variables"));
        // Every option read from a variable names it there too.
        for arg in find(&cli, path).get_arguments() {
            if let Some(var) = arg.get_env() {
                let var = var.to_string_lossy();
                assert!(
                    environment.contains(var.as_ref()),
                    "{name}: `{var}` not listed"
                );
            }
        }
        insta::assert_snapshot!(format!("help__{}", name.replace(' ', "_")), help);
    }
}

#[test]
fn every_format_option_calls_the_human_form_text() {
    let cli = roster::cli::Cli::command();
    let mut paths = Vec::new();
    subcommands(&cli, &[], &mut paths);
    let mut with_format = 0;
    for path in &paths {
        let command = find(&cli, path);
        let Some(format) = command.get_arguments().find(|a| a.get_id() == "format") else {
            continue;
        };
        with_format += 1;
        let values: Vec<String> = format
            .get_possible_values()
            .iter()
            .map(|v| v.get_name().to_string())
            .collect();
        assert!(values.contains(&"text".to_string()), "{path:?}: {values:?}");
        assert!(
            !values.contains(&"human".to_string()),
            "{path:?}: {values:?}"
        );
        let default: Vec<_> = format.get_default_values().to_vec();
        assert_eq!(default, ["text"], "{path:?}");
    }
    assert!(with_format >= 8, "{with_format}");
    // The old name still works.
    let run = Roster::new(["validate", "--format", "human", "examples/acme"]).run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = Roster::new(["validate", "--format", "text", "examples/acme"]).run();
    assert_eq!(run.transcript(), text.transcript());
}
