//! Gives the binary an identity derived from its sources, so the per-file
//! config cache never serves results computed by different code; and
//! splits the phone-number metadata by country calling code, so a run
//! loads the numbering plans of the countries it meets and no others.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;

fn main() {
    let mut hasher = DefaultHasher::new();
    let mut files = Vec::new();
    collect(Path::new("src"), &mut files);
    files.push(Path::new("Cargo.lock").to_path_buf());
    files.sort();
    for file in &files {
        file.hash(&mut hasher);
        std::fs::read(file).unwrap_or_default().hash(&mut hasher);
    }
    println!("cargo:rustc-env=ROSTER_BUILD_ID={:016x}", hasher.finish());
    phone_metadata();
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=Cargo.lock");
}

fn collect(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else {
            files.push(path);
        }
    }
}

/// Writes `phone_metadata.bin` (for each country calling code, its regions'
/// metadata as `phonenumber` reads it, in `phonenumber`'s order) and
/// `phone_metadata.rs` (the code → byte range index) to `OUT_DIR`.
fn phone_metadata() {
    use phonenumber::metadata::{DATABASE, Descriptor, Format, Metadata, loader};

    fn descriptor(d: &Descriptor) -> loader::Descriptor {
        loader::Descriptor {
            national_number: Some(d.national_number().as_str().to_string()),
            possible_length: d.possible_length().to_vec(),
            possible_local_length: d.possible_local_length().to_vec(),
            example: d.example().map(str::to_string),
        }
    }
    fn format(f: &Format) -> loader::Format {
        loader::Format {
            pattern: Some(f.pattern().as_str().to_string()),
            format: Some(f.format().to_string()),
            leading_digits: f
                .leading_digits()
                .iter()
                .map(|r| r.as_str().to_string())
                .collect(),
            national_prefix_formatting_rule: f.national_prefix().map(str::to_string),
            national_prefix_optional_when_formatting: f.is_national_prefix_optional(),
            domestic_carrier: f.domestic_carrier().map(str::to_string),
        }
    }
    fn metadata(m: &Metadata) -> loader::Metadata {
        let d = m.descriptors();
        macro_rules! regex {
            ($r:expr) => {
                $r.map(|r| r.as_str().to_string())
            };
        }
        loader::Metadata {
            general: Some(descriptor(d.general())),
            fixed_line: d.fixed_line().map(descriptor),
            mobile: d.mobile().map(descriptor),
            toll_free: d.toll_free().map(descriptor),
            premium_rate: d.premium_rate().map(descriptor),
            shared_cost: d.shared_cost().map(descriptor),
            personal_number: d.personal_number().map(descriptor),
            voip: d.voip().map(descriptor),
            pager: d.pager().map(descriptor),
            uan: d.uan().map(descriptor),
            emergency: d.emergency().map(descriptor),
            voicemail: d.voicemail().map(descriptor),
            short_code: d.short_code().map(descriptor),
            standard_rate: d.standard_rate().map(descriptor),
            carrier: d.carrier().map(descriptor),
            no_international: d.no_international().map(descriptor),
            id: Some(m.id().to_string()),
            country_code: Some(m.country_code()),
            international_prefix: regex!(m.international_prefix()),
            preferred_international_prefix: m.preferred_international_prefix().map(str::to_string),
            national_prefix: m.national_prefix().map(str::to_string),
            preferred_extension_prefix: m.preferred_extension_prefix().map(str::to_string),
            national_prefix_for_parsing: regex!(m.national_prefix_for_parsing()),
            national_prefix_transform_rule: m.national_prefix_transform_rule().map(str::to_string),
            formats: m.formats().iter().map(format).collect(),
            international_formats: m.international_formats().iter().map(format).collect(),
            main_country_for_code: m.is_main_country_for_code(),
            leading_digits: regex!(m.leading_digits()),
            mobile_number_portable: m.is_mobile_number_portable(),
            ..loader::Metadata::default()
        }
    }

    let mut codes: Vec<u16> = DATABASE.iter().map(Metadata::country_code).collect();
    codes.sort_unstable();
    codes.dedup();
    let mut blob = Vec::new();
    let mut index = String::from("&[\n");
    for code in codes {
        let regions: Vec<loader::Metadata> = DATABASE
            .by_code(&code)
            .unwrap_or_default()
            .into_iter()
            .map(metadata)
            .collect();
        let bytes = postcard::to_stdvec(&regions).expect("metadata serializes");
        index.push_str(&format!("    ({code}, {}, {}),\n", blob.len(), bytes.len()));
        blob.extend(bytes);
    }
    index.push_str("]\n");
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("phone_metadata.bin"), blob).expect("OUT_DIR is writable");
    std::fs::write(out.join("phone_metadata.rs"), index).expect("OUT_DIR is writable");
}
