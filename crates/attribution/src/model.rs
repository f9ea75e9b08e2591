//! The models by name, and [`attribute`]: every requested model from one read of the data.

use std::fmt;
use std::str::FromStr;

use crate::credit::{Attribution, MarkovSummary, Totals};
use crate::error::Error;
use crate::heuristic::{self, Rule};
use crate::markov::{self, Chain};
use crate::read::{Dataset, InputFormat};
use crate::shapley;

/// An attribution model, named as on the command line and in the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Model {
    /// `first_touch`
    FirstTouch,
    /// `last_touch`
    LastTouch,
    /// `linear`
    Linear,
    /// `position_based`
    PositionBased,
    /// `time_decay` (touchpoint input only)
    TimeDecay,
    /// `markov`
    Markov,
    /// `shapley`
    Shapley,
    /// `shapley_ordered`
    ShapleyOrdered,
}

impl Model {
    /// Every model, in the order `--model all` reports them.
    pub const ALL: [Self; 8] = [
        Self::FirstTouch,
        Self::LastTouch,
        Self::Linear,
        Self::PositionBased,
        Self::TimeDecay,
        Self::Markov,
        Self::Shapley,
        Self::ShapleyOrdered,
    ];

    /// The name used on the command line and in the output.
    pub fn name(self) -> &'static str {
        match self {
            Self::FirstTouch => "first_touch",
            Self::LastTouch => "last_touch",
            Self::Linear => "linear",
            Self::PositionBased => "position_based",
            Self::TimeDecay => "time_decay",
            Self::Markov => "markov",
            Self::Shapley => "shapley",
            Self::ShapleyOrdered => "shapley_ordered",
        }
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Model {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| {
                Error::Unsupported(format!(
                    "unknown model `{s}`: expected one of {} or all",
                    Self::ALL.map(Self::name).join(", ")
                ))
            })
    }
}

/// Which Markov order to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkovOrder {
    /// This order (1 to [`markov::MAX_ORDER`]).
    Fixed(usize),
    /// The order with the best held-out likelihood among 1 to [`markov::MAX_ORDER`].
    Auto,
}

/// First order: each touch depends on the one before it (the classic removal-effect model).
impl Default for MarkovOrder {
    fn default() -> Self {
        MarkovOrder::Fixed(1)
    }
}

impl MarkovOrder {
    /// An order as written on the command line or in a query: `1` to [`markov::MAX_ORDER`], or
    /// `auto`.
    pub fn parse(text: &str) -> Result<MarkovOrder, String> {
        if text == "auto" {
            return Ok(MarkovOrder::Auto);
        }
        match text.parse::<usize>() {
            Ok(order) if (1..=markov::MAX_ORDER).contains(&order) => Ok(MarkovOrder::Fixed(order)),
            _ => Err(format!("expected 1 to {} or auto", markov::MAX_ORDER)),
        }
    }
}

/// What to compute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The models, in output order.
    pub models: Vec<Model>,
    /// The Markov order.
    pub order: MarkovOrder,
    /// Whether to include the Markov transition matrix.
    pub transitions: bool,
    /// Whether `time_decay` may be left out silently when the input has no timestamps (set for
    /// `--model all`; an explicit `time_decay` on path input is an error).
    pub skip_unavailable: bool,
}

/// Runs every requested model on the data set (read once; the models only walk the distinct paths).
pub fn attribute(data: &Dataset, request: &Request) -> Result<Vec<Attribution>, Error> {
    let n = data.channels.len();
    let (unattributed_conversions, unattributed_value) = data.paths.unattributed();
    let totals = Totals {
        conversions: data.paths.total_conversions(),
        value: data.paths.total_value()?,
        unattributed_conversions,
        unattributed_value,
    };
    let mut results = Vec::with_capacity(request.models.len());
    for &model in &request.models {
        let from = |credit: &_| Attribution::from_credit(model, &data.channels, credit, totals);
        let result = match model {
            Model::FirstTouch => from(&heuristic::credit(&data.paths, n, Rule::FirstTouch))?,
            Model::LastTouch => from(&heuristic::credit(&data.paths, n, Rule::LastTouch))?,
            Model::Linear => from(&heuristic::credit(&data.paths, n, Rule::Linear))?,
            Model::PositionBased => from(&heuristic::credit(&data.paths, n, Rule::PositionBased))?,
            Model::TimeDecay => match &data.time_decay {
                Some((half_life, credit)) => Attribution {
                    half_life_days: Some(*half_life),
                    ..from(credit)?
                },
                None if request.skip_unavailable => continue,
                None if data.format == InputFormat::Paths => {
                    return Err(Error::Unsupported(
                        "time_decay needs touchpoint input (aggregated paths carry no timestamps)"
                            .into(),
                    ));
                }
                None => {
                    return Err(Error::Unsupported(
                        "time_decay was not computed while reading".into(),
                    ));
                }
            },
            Model::Shapley => from(&shapley::simplified(&data.paths, n))?,
            Model::ShapleyOrdered => {
                let (credit, by_position) = shapley::ordered(&data.paths, n, true);
                let mut result = from(&credit)?;
                let width = by_position.iter().map(Vec::len).max().unwrap_or(0);
                for line in &mut result.channels {
                    let mut row = data
                        .channels
                        .get(&line.channel)
                        .and_then(|id| by_position.get(id.index()).cloned())
                        .unwrap_or_default();
                    row.resize(width, 0.0);
                    line.by_position = Some(row);
                }
                result
            }
            Model::Markov => markov_result(data, request, totals)?,
        };
        results.push(result);
    }
    Ok(results)
}

/// The most distinct channels the Markov model takes: its removal effects solve the chain once
/// per channel, so the work grows with the fourth power of the channels (100 channels take a
/// fraction of a second, 300 tens of seconds); a journey table of more channels is refused with
/// the way forward rather than holding a core for minutes.
pub const MAX_MARKOV_CHANNELS: usize = 200;

fn markov_result(data: &Dataset, request: &Request, totals: Totals) -> Result<Attribution, Error> {
    let n = data.channels.len();
    if n > MAX_MARKOV_CHANNELS {
        return Err(Error::Unsupported(format!(
            "the journeys name {n} distinct channels; the Markov model takes at most \
             {MAX_MARKOV_CHANNELS}: group them (by platform or channel type), or choose a model \
             that takes any number (first_touch, last_touch, linear, position_based, shapley)"
        )));
    }
    let (order, order_selection) = match request.order {
        MarkovOrder::Fixed(order) => (order, None),
        MarkovOrder::Auto => {
            let scores = markov::score_orders(&data.paths, n, markov::MAX_ORDER);
            (markov::best_order(&scores), Some(scores))
        }
    };
    let chain = Chain::fit(&data.paths, n, order)?;
    let (probability, effects) = chain.removal_effects()?;
    let credit = markov::credit(&effects, totals.conversions);
    let mut result = Attribution::from_credit(Model::Markov, &data.channels, &credit, totals)?;
    for line in &mut result.channels {
        line.removal_effect = data
            .channels
            .get(&line.channel)
            .and_then(|id| effects.get(id.index()).copied());
    }
    result.markov = Some(MarkovSummary {
        order,
        conversion_probability: probability,
        transitions: request
            .transitions
            .then(|| chain.transitions(&data.channels)),
        order_selection,
    });
    Ok(result)
}
