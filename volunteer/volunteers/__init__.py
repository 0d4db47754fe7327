"""Volunteer register: volunteers, activities, service records, stars and certificates."""
