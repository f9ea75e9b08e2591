//! `spendlens attribute`: multi-touch attribution of conversions to channels
//! (docs/attribution-contract.md).

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::PathBuf;
use std::process::ExitCode;

use spendlens_attribution::{MarkovOrder, Model, ReadOptions, Request, codec, read};

use crate::output::write_result;

/// Splits conversions and their value among the channels that led to them.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The input, its format detected from the header: ChannelAttribution paths
    /// (`path;total_conversions;total_conversion_value;total_null`, `;` or `,`), touchpoints
    /// (`journey_id,timestamp,event,channel,value`, grouped by journey) or an event log
    /// (`cookie|customer_id,time,interaction,conversion,conversion_value,channel`, any order);
    /// `-` reads stdin.
    #[arg(long, short)]
    input: PathBuf,
    /// first_touch, last_touch, linear, position_based, time_decay, markov, shapley,
    /// shapley_ordered, or all (every model from one read).
    #[arg(long, short, value_parser = parse_models)]
    model: Models,
    /// Markov order: 1 to 4, or `auto` (chosen by 5-fold held-out likelihood).
    #[arg(long, default_value = "1", value_parser = parse_order)]
    order: MarkovOrder,
    /// Half-life of time decay, in days.
    #[arg(long, default_value_t = spendlens_attribution::time_decay::DEFAULT_HALF_LIFE_DAYS, value_parser = parse_half_life)]
    half_life_days: f64,
    /// Include the Markov transition matrix in the output.
    #[arg(long)]
    transition_matrix: bool,
    /// Write the result here instead of stdout.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

/// One model, or all of them.
#[derive(Debug, Clone)]
enum Models {
    One(Model),
    All,
}

fn parse_models(text: &str) -> Result<Models, String> {
    if text == "all" {
        return Ok(Models::All);
    }
    text.parse()
        .map(Models::One)
        .map_err(|e: spendlens_attribution::Error| e.to_string())
}

fn parse_order(text: &str) -> Result<MarkovOrder, String> {
    MarkovOrder::parse(text)
}

fn parse_half_life(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(days) if days.is_finite() && days > 0.0 => Ok(days),
        _ => Err("expected a positive number of days".to_owned()),
    }
}

/// Exit 0 with the result; exit 2 with one line per problem on stderr and nothing on stdout.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let Args {
        input,
        model,
        order,
        half_life_days,
        transition_matrix,
        output,
    } = args;
    let source: Box<dyn Read> = if input.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        match File::open(&input) {
            Ok(file) => Box::new(file),
            Err(e) => {
                errln!("{}: {e}", input.display());
                return Ok(ExitCode::from(2));
            }
        }
    };
    let (models, all) = match model {
        Models::One(model) => (vec![model], false),
        Models::All => (Model::ALL.to_vec(), true),
    };
    let wants_decay = models.contains(&Model::TimeDecay);
    let options = ReadOptions {
        time_decay_half_life_days: wants_decay.then_some(half_life_days),
    };
    let request = Request {
        models,
        order,
        transitions: transition_matrix,
        skip_unavailable: all,
    };
    let outcome = read(BufReader::with_capacity(1 << 20, source), &options)
        .and_then(|data| spendlens_attribution::attribute(&data, &request));
    // Every problem names the file, then its line and column.
    let name = if input.as_os_str() == "-" {
        "stdin".to_owned()
    } else {
        input.display().to_string()
    };
    let results = match outcome {
        Ok(results) => results,
        Err(e @ spendlens_attribution::Error::Io(_)) => {
            errln!("{name}: {e}");
            return Ok(ExitCode::from(2));
        }
        Err(e) if e.is_input() => {
            // `file, line 3, column 2 (time): ...`, or `file: ...` for the input as a whole.
            let joint = if matches!(e, spendlens_attribution::Error::Invalid(_)) {
                ", "
            } else {
                ": "
            };
            for line in e.lines() {
                errln!("{name}{joint}{line}");
            }
            return Ok(ExitCode::from(2));
        }
        Err(e) => return Err(e.into()),
    };
    let mut json = if all {
        codec::encode_all(&results)?
    } else {
        match results.first() {
            Some(result) => codec::encode_one(result)?,
            None => anyhow::bail!("no result was produced"),
        }
    };
    json.push('\n');
    write_result(output.as_deref(), &json)?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_parse_as_documented() {
        assert!(matches!(parse_models("all"), Ok(Models::All)));
        assert!(matches!(
            parse_models("shapley_ordered"),
            Ok(Models::One(Model::ShapleyOrdered))
        ));
        assert!(parse_models("last_click").is_err());
        assert_eq!(parse_order("auto"), Ok(MarkovOrder::Auto));
        assert_eq!(parse_order("3"), Ok(MarkovOrder::Fixed(3)));
        assert!(parse_order("0").is_err() && parse_order("5").is_err());
        assert!(parse_half_life("0").is_err() && parse_half_life("NaN").is_err());
        assert_eq!(parse_half_life("3.5"), Ok(3.5));
    }

    fn temp(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("spendlens-attribute-{}-{name}", std::process::id()))
    }

    fn args(input: PathBuf, model: Models, output: PathBuf) -> Args {
        Args {
            input,
            model,
            order: MarkovOrder::Fixed(1),
            half_life_days: 7.0,
            transition_matrix: false,
            output: Some(output),
        }
    }

    #[test]
    fn writes_the_result_file_and_exits_0() {
        let (input, output) = (temp("ok.csv"), temp("ok.json"));
        std::fs::write(
            &input,
            "path,total_conversions,total_conversion_value,total_null\na > b,2,30,1\nb,1,10,3\n",
        )
        .expect("temp file");
        let code = run(args(input.clone(), Models::All, output.clone())).expect("runs");
        assert_eq!(format!("{code:?}"), format!("{:?}", ExitCode::SUCCESS));
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&output).expect("written"))
                .expect("JSON");
        assert_eq!(json["models"]["shapley"]["total_value"], "40.00");
        assert!(json["models"].get("time_decay").is_none());
        let _ = std::fs::remove_file(input);
        let _ = std::fs::remove_file(output);
    }

    #[test]
    fn bad_input_exits_2_and_writes_nothing() {
        let (input, output) = (temp("bad.csv"), temp("bad.json"));
        std::fs::write(
            &input,
            "path,total_conversions,total_conversion_value,total_null\na,-1,0,0\n",
        )
        .expect("temp file");
        let code = run(args(
            input.clone(),
            Models::One(Model::Linear),
            output.clone(),
        ))
        .expect("runs");
        assert_eq!(format!("{code:?}"), format!("{:?}", ExitCode::from(2)));
        assert!(!output.exists());
        let code = run(args(input.clone(), Models::One(Model::TimeDecay), output)).expect("runs");
        assert_eq!(format!("{code:?}"), format!("{:?}", ExitCode::from(2)));
        let _ = std::fs::remove_file(input);
    }
}
