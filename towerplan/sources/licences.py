"""Licences and attributions of the public data sources, written into every study area's SOURCES.md.

The texts summarise each provider's own terms (URLs given); they are not legal
advice. Users must respect them when they publish maps or data made from a
study area.
"""

from __future__ import annotations

from dataclasses import dataclass

from towerplan.errors import ConfigError

__all__ = ["LICENCES", "Licence", "licence"]


@dataclass(frozen=True)
class Licence:
    """The terms a data file comes with.

    Attributes
    ----------
    key
        Short identifier used by :class:`~towerplan.sources._common.Resource`.
    name
        Licence name (e.g. "CC BY 4.0").
    url
        Where the terms are published.
    attribution
        The credit line or citation to reproduce.
    notes
        Obligations in plain words (share-alike, notices on modified data...).
    """

    key: str
    name: str
    url: str
    attribution: str
    notes: str = ""

    def __post_init__(self) -> None:
        if not (self.key and self.name and self.attribution):
            raise ConfigError(f"a licence needs a key, a name and an attribution: {self!r}")


_COPERNICUS_LIABILITY = (
    "The organisations in charge of the Copernicus programme by law or by delegation do not incur any "
    "liability for any use of the Copernicus WorldDEM."
)

LICENCES: dict[str, Licence] = {
    item.key: item
    for item in (
        Licence(
            "srtm",
            "Public domain (NASA data: no restriction on use)",
            "https://www.earthdata.nasa.gov/engage/open-data-services-software-policies/data-use-guidance",
            "NASA JPL (2013). NASA Shuttle Radar Topography Mission Global 1 / 3 arc second, V003. "
            "NASA EOSDIS Land Processes DAAC. doi:10.5067/MEaSUREs/SRTM/SRTMGL1.003 "
            "(3\": doi:10.5067/MEaSUREs/SRTM/SRTMGL3.003). Tiles from the ESA SNAP (STEP) auxiliary-data mirror.",
            "No restriction; NASA asks users to cite the data set.",
        ),
        Licence(
            "nasadem",
            "Public domain (NASA data: no restriction on use)",
            "https://www.earthdata.nasa.gov/engage/open-data-services-software-policies/data-use-guidance",
            "NASA JPL (2020). NASADEM Merged DEM Global 1 arc second V001. NASA EOSDIS Land Processes DAAC. "
            "doi:10.5067/MEaSUREs/NASADEM/NASADEM_HGT.001. Distributed by OpenTopography, doi:10.5069/G93T9FD9.",
            "No restriction; cite NASA and acknowledge OpenTopography.",
        ),
        Licence(
            "copernicus30",
            "Copernicus DEM licence (GLO-30 Public), free of charge",
            "https://spacedata.copernicus.eu/documents/20126/0/CSCDA_ESA_Mission-specific+Annex.pdf",
            "produced using Copernicus WorldDEM-30 © DLR e.V. 2010-2014 and © Airbus Defence and Space GmbH "
            "2014-2018 provided under COPERNICUS by the European Union and ESA; all rights reserved",
            "Reproduction, distribution and adaptation are allowed; keep the notice above on the data and on "
            f"anything derived from it, and this disclaimer: {_COPERNICUS_LIABILITY} Heights are of the surface "
            "(DSM: trees and buildings included), EGM2008.",
        ),
        Licence(
            "copernicus90",
            "Copernicus DEM licence (GLO-90), free of charge",
            "https://spacedata.copernicus.eu/documents/20126/0/CSCDA_ESA_Mission-specific+Annex.pdf",
            "produced using Copernicus WorldDEM-90 © DLR e.V. 2010-2014 and © Airbus Defence and Space GmbH "
            "2014-2018 provided under COPERNICUS by the European Union and ESA; all rights reserved",
            "Reproduction, distribution and adaptation are allowed; keep the notice above on the data and on "
            f"anything derived from it, and this disclaimer: {_COPERNICUS_LIABILITY} Heights are of the surface "
            "(DSM), EGM2008.",
        ),
        Licence(
            "worldpop",
            "CC BY 4.0",
            "https://creativecommons.org/licenses/by/4.0/",
            "WorldPop (www.worldpop.org - School of Geography and Environmental Science, University of "
            "Southampton). Global 2000-2020: doi:10.5258/SOTON/WP00647; Global 2015-2030 (R2025A): "
            "doi:10.5258/SOTON/WP00839.",
            "Free use including commercial; give credit and say that the raster was resampled to the study grid.",
        ),
        Licence(
            "geoboundaries",
            "CC BY 4.0 (geoBoundaries gbOpen; the licence of each boundary set is in its metadata)",
            "https://www.geoboundaries.org/",
            "geoBoundaries: Runfola, D. et al. (2020) geoBoundaries: A global database of political "
            "administrative boundaries. PLoS ONE 15(4): e0231866. doi:10.1371/journal.pone.0231866",
            "Give credit; check the boundary set's own licence and source (recorded below when the API gave it).",
        ),
        Licence(
            "osm",
            "Open Database License (ODbL) 1.0",
            "https://www.openstreetmap.org/copyright",
            "© OpenStreetMap contributors",
            "Credit \"© OpenStreetMap contributors\" on maps; roads.gpkg and roads.graphml are a derived "
            "database: if you distribute it publicly, do so under the ODbL (share-alike).",
        ),
        Licence(
            "worldcover",
            "CC BY 4.0",
            "https://creativecommons.org/licenses/by/4.0/",
            "© ESA WorldCover project 2021 / Contains modified Copernicus Sentinel data (2021) processed by ESA "
            "WorldCover consortium. Zanaga, D. et al. (2022) ESA WorldCover 10 m 2021 v200. "
            "doi:10.5281/zenodo.7254221 (2020 v100: doi:10.5281/zenodo.5571936)",
            "Free use including commercial; give the credit above and say that the classes were resampled "
            "(majority) to the study grid.",
        ),
        Licence(
            "user",
            "As supplied by the user",
            "",
            "Your own file: record its origin and licence here.",
        ),
    )
}


def licence(key: str) -> Licence:
    """The licence named ``key``; :class:`ConfigError` listing the known keys otherwise."""
    try:
        return LICENCES[key]
    except KeyError:
        raise ConfigError(f"unknown licence {key!r}; known: {', '.join(sorted(LICENCES))}") from None
