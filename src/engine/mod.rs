//! The discrete-event engine: simulated time, an event queue with stable
//! ordering and cancellation, and random streams. It knows nothing of chats;
//! a model owns an [`EventQueue`] of its own event type and runs the loop.

mod queue;
mod rng;
mod time;

pub use queue::{EventKey, EventQueue};
pub use rng::{KeyPrefix, Stream, stream};
pub use time::{DAY_SECS, SimDuration, SimTime};
