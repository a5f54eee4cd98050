fn main() {
    let path = std::env::args().nth(1).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let mut sources = roster::config::source::Sources::default();
    let id = sources.add(roster::config::source::SourceFile::new(path.clone().into(), path.clone(), text.clone()));
    let parsed = roster::config::yaml::parse(&text).unwrap();
    let diags = roster::config::schema_check::check(id, sources.get(id), &parsed.value, &parsed.positions);
    print!("{}", roster::report::diagnostics::human(&diags, &sources, false));
}
