"""Villages (thôn, bản): village lists, OpenStreetMap village points, served status and the province's check."""
