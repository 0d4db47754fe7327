"""Areas (district → street → community) and the organisations that live in them."""
