//! The discrete-event engine: simulated time, an event queue with stable
//! ordering and cancellation, random streams, and the calendar that ties
//! simulated days to real dates. It knows nothing of chats;
//! a model owns an [`EventQueue`] of its own event type and runs the loop.

pub mod calendar;
mod queue;
mod rng;
mod time;

pub use calendar::{Date, Stamp};
pub use queue::{EventKey, EventQueue};
pub use rng::{KeyPrefix, Stream, stream};
pub use time::{DAY_SECS, SimDuration, SimTime};
