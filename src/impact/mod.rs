//! The impact page without HTTP or Discord: the private links that open it (`links`) and what
//! the page says (`page`), for the people who decide whether a team keeps doing this and are
//! rarely in its Discord. The web server that serves it is `web`.

pub mod links;
pub mod page;

pub use links::{ImpactLinks, LinkError, NewLink};
pub use page::{ChartData, ImpactPage, PageRange, RangeError};
