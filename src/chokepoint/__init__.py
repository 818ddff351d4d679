"""chokepoint: due-diligence screening against sanctions and export-control lists."""

__version__ = "0.1.0"
