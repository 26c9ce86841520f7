"""Planning a service: stop placement, lines from OSM routes, fleet sizing by simulation.

This package sits above the runner: fleet sizing runs simulated days.
"""
