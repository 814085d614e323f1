//! Locate-mode data: smoothed signal strength and its trend (closer / further / steady).
