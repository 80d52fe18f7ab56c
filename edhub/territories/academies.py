"""The official académies and régions académiques (ministère de l'Éducation nationale), with their départements.

Codes are those of the Annuaire de l'éducation (`Code_academie`); a région académique has the code of the
région it covers.
"""

REGIONS_ACADEMIQUES = {
    "01": "Guadeloupe",
    "02": "Martinique",
    "03": "Guyane",
    "04": "La Réunion",
    "06": "Mayotte",
    "11": "Île-de-France",
    "24": "Centre-Val de Loire",
    "27": "Bourgogne-Franche-Comté",
    "28": "Normandie",
    "32": "Hauts-de-France",
    "44": "Grand Est",
    "52": "Pays de la Loire",
    "53": "Bretagne",
    "75": "Nouvelle-Aquitaine",
    "76": "Occitanie",
    "84": "Auvergne-Rhône-Alpes",
    "93": "Provence-Alpes-Côte d'Azur",
    "94": "Corse",
}

# code: (name, région académique, départements)
ACADEMIES = {
    "01": ("Paris", "11", ("75",)),
    "24": ("Créteil", "11", ("77", "93", "94")),
    "25": ("Versailles", "11", ("78", "91", "92", "95")),
    "18": ("Orléans-Tours", "24", ("18", "28", "36", "37", "41", "45")),
    "03": ("Besançon", "27", ("25", "39", "70", "90")),
    "07": ("Dijon", "27", ("21", "58", "71", "89")),
    "70": ("Normandie", "28", ("14", "27", "50", "61", "76")),
    "20": ("Amiens", "32", ("02", "60", "80")),
    "09": ("Lille", "32", ("59", "62")),
    "12": ("Nancy-Metz", "44", ("54", "55", "57", "88")),
    "19": ("Reims", "44", ("08", "10", "51", "52")),
    "15": ("Strasbourg", "44", ("67", "68")),
    "17": ("Nantes", "52", ("44", "49", "53", "72", "85")),
    "14": ("Rennes", "53", ("22", "29", "35", "56")),
    "04": ("Bordeaux", "75", ("24", "33", "40", "47", "64")),
    "22": ("Limoges", "75", ("19", "23", "87")),
    "13": ("Poitiers", "75", ("16", "17", "79", "86")),
    "11": ("Montpellier", "76", ("11", "30", "34", "48", "66")),
    "16": ("Toulouse", "76", ("09", "12", "31", "32", "46", "65", "81", "82")),
    "06": ("Clermont-Ferrand", "84", ("03", "15", "43", "63")),
    "08": ("Grenoble", "84", ("07", "26", "38", "73", "74")),
    "10": ("Lyon", "84", ("01", "42", "69")),
    "02": ("Aix-Marseille", "93", ("04", "05", "13", "84")),
    "23": ("Nice", "93", ("06", "83")),
    "27": ("Corse", "94", ("2A", "2B")),
    "32": ("Guadeloupe", "01", ("971",)),
    "31": ("Martinique", "02", ("972",)),
    "33": ("Guyane", "03", ("973",)),
    "28": ("La Réunion", "04", ("974",)),
    "43": ("Mayotte", "06", ("976",)),
}


def academie_of_departement():
    """{département code: académie code}."""
    return {dep: code for code, (_, _, deps) in ACADEMIES.items() for dep in deps}
