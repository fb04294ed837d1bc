//! The lead schema as data: the ten fields, their titles, maximum lengths, allowed values and
//! the header spellings people use for them. Rule code reads this table; it holds no rules itself.

use serde::{Deserialize, Serialize};

/// One of the ten fields of a NexJ Classic lead, in the documented column order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Field {
    /// `id`: unique in the file, not imported.
    #[serde(rename = "id")]
    Id,
    /// `firstName`: mandatory, at most 25 characters.
    #[serde(rename = "firstName")]
    FirstName,
    /// `lastName`: mandatory, at most 60 characters.
    #[serde(rename = "lastName")]
    LastName,
    /// `email`: at most 80 characters; a lead needs an email, a phone or both.
    #[serde(rename = "email")]
    Email,
    /// `phone`: at most 80 characters.
    #[serde(rename = "phone")]
    Phone,
    /// `marketSegment`: one of the known segments, or the CRM ignores it.
    #[serde(rename = "marketSegment")]
    MarketSegment,
    /// `salesConcept`: one of the known sales concepts, or the CRM ignores it.
    #[serde(rename = "salesConcept")]
    SalesConcept,
    /// `company`: at most 60 characters.
    #[serde(rename = "company")]
    Company,
    /// `position`: at most 100 characters.
    #[serde(rename = "position")]
    Position,
    /// `zipCode`: at most 15 characters, no format rule.
    #[serde(rename = "zipCode")]
    ZipCode,
}

/// What the schema knows about one field.
#[derive(Debug)]
pub struct FieldSpec {
    /// The field.
    pub field: Field,
    /// The key used in reports and templates, e.g. `firstName`.
    pub key: &'static str,
    /// The documented column title, e.g. `First Name`.
    pub title: &'static str,
    /// The maximum length in characters after trimming, where the CRM has one.
    pub max_chars: Option<usize>,
    /// Header spellings that mean this field, already in matching form (see [`header_key`]).
    pub synonyms: &'static [&'static str],
}

/// The ten fields in the documented column order.
pub const FIELDS: [FieldSpec; 10] = [
    FieldSpec {
        field: Field::Id,
        key: "id",
        title: "ID",
        max_chars: None,
        synonyms: &[
            "id",
            "leadid",
            "recordid",
            "externalid",
            "customerid",
            "contactid",
            "clientid",
            "leadnumber",
            "leadref",
            "leadreference",
            "ref",
            "reference",
            "refno",
            "no",
        ],
    },
    FieldSpec {
        field: Field::FirstName,
        key: "firstName",
        title: "First Name",
        max_chars: Some(25),
        synonyms: &[
            "firstname",
            "first",
            "givenname",
            "given",
            "forename",
            "forenames",
            "fname",
            "christianname",
            "prenom",
            "vorname",
            "nombre",
            "contactfirstname",
        ],
    },
    FieldSpec {
        field: Field::LastName,
        key: "lastName",
        title: "Last Name",
        max_chars: Some(60),
        synonyms: &[
            "lastname",
            "last",
            "surname",
            "familyname",
            "family",
            "lname",
            "nom",
            "nachname",
            "apellido",
            "contactlastname",
        ],
    },
    FieldSpec {
        field: Field::Email,
        key: "email",
        title: "Email Address",
        max_chars: Some(80),
        synonyms: &[
            "emailaddress",
            "email",
            "mail",
            "emailid",
            "workemail",
            "businessemail",
            "personalemail",
            "primaryemail",
            "contactemail",
            "emailaddr",
            "courriel",
        ],
    },
    FieldSpec {
        field: Field::Phone,
        key: "phone",
        title: "Phone",
        max_chars: Some(80),
        synonyms: &[
            "phone",
            "workphone",
            "phonenumber",
            "telephone",
            "telephonenumber",
            "tel",
            "telno",
            "businessphone",
            "officephone",
            "mobile",
            "mobilephone",
            "mobilenumber",
            "cell",
            "cellphone",
            "homephone",
            "contactnumber",
            "primaryphone",
            "directline",
            "telefon",
            "telefono",
        ],
    },
    FieldSpec {
        field: Field::MarketSegment,
        key: "marketSegment",
        title: "Market Segment",
        max_chars: None,
        synonyms: &[
            "marketsegment",
            "segment",
            "market",
            "clientsegment",
            "customersegment",
            "lifestage",
            "segmentname",
        ],
    },
    FieldSpec {
        field: Field::SalesConcept,
        key: "salesConcept",
        title: "Sales Concept",
        max_chars: None,
        synonyms: &[
            "salesconcept",
            "saleconcept",
            "concept",
            "salesneed",
            "need",
            "needs",
            "interest",
            "productinterest",
            "salesopportunity",
        ],
    },
    FieldSpec {
        field: Field::Company,
        key: "company",
        title: "Company",
        max_chars: Some(60),
        synonyms: &[
            "company",
            "companyname",
            "organisation",
            "organization",
            "organisationname",
            "organizationname",
            "org",
            "employer",
            "business",
            "businessname",
            "firm",
            "account",
            "accountname",
            "societe",
            "entreprise",
            "empresa",
            "firma",
            "unternehmen",
        ],
    },
    FieldSpec {
        field: Field::Position,
        key: "position",
        title: "Position",
        max_chars: Some(100),
        synonyms: &[
            "position",
            "jobtitle",
            "job",
            "role",
            "occupation",
            "designation",
            "title",
            "jobposition",
            "jobrole",
            "fonction",
            "poste",
            "beruf",
            "cargo",
            "puesto",
        ],
    },
    FieldSpec {
        field: Field::ZipCode,
        key: "zipCode",
        title: "Zip Code",
        max_chars: Some(15),
        synonyms: &[
            "zipcode",
            "zip",
            "postalcode",
            "postcode",
            "postal",
            "zippostalcode",
            "postalzipcode",
            "zippostal",
            "plz",
            "codepostal",
        ],
    },
];

/// The market segments the CRM knows out of the box.
pub const DEFAULT_SEGMENTS: [&str; 3] = ["Starting Out", "Pre-Retirement", "Retirement"];

/// The sales concepts the CRM knows out of the box.
pub const DEFAULT_CONCEPTS: [&str; 5] = [
    "First-Time Home Buyer",
    "Mortgage Needs",
    "Retirement Income",
    "Survivor Needs",
    "Wealth Transfer Planning",
];

impl Field {
    /// Every field, in the documented column order.
    pub const ALL: [Field; 10] = [
        Field::Id,
        Field::FirstName,
        Field::LastName,
        Field::Email,
        Field::Phone,
        Field::MarketSegment,
        Field::SalesConcept,
        Field::Company,
        Field::Position,
        Field::ZipCode,
    ];

    /// The schema entry of this field.
    pub fn spec(self) -> &'static FieldSpec {
        &FIELDS[self.index()]
    }

    /// The position of this field in the documented column order (0 to 9).
    pub fn index(self) -> usize {
        self as usize
    }

    /// The key used in reports and templates, e.g. `firstName`.
    pub fn key(self) -> &'static str {
        self.spec().key
    }

    /// The documented column title, e.g. `First Name`.
    pub fn title(self) -> &'static str {
        self.spec().title
    }

    /// The maximum length in characters, where the CRM has one.
    pub fn max_chars(self) -> Option<usize> {
        self.spec().max_chars
    }

    /// The field with exactly this key (`firstName`).
    pub fn by_key(key: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|field| field.key() == key)
    }

    /// The field with this key (`firstName`), or with this title or header spelling.
    pub fn from_key(key: &str) -> Option<Field> {
        Field::ALL
            .into_iter()
            .find(|field| field.key() == key)
            .or_else(|| {
                let wanted = header_key(key);
                Field::ALL.into_iter().find(|field| {
                    header_key(field.title()) == wanted || header_key(field.key()) == wanted
                })
            })
    }
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.title())
    }
}

/// A header in matching form: lower case, without spaces, `_`, `-`, `.` and other punctuation.
///
/// `E-mail Address`, `email_address` and `EmailAddress` all become `emailaddress`.
pub fn header_key(header: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    // Accents are dropped too: `Société` and `Societe` are one header.
    header
        .nfd()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// A segment or concept in comparison form: lower case, without spaces, hyphens or underscores.
///
/// Two values with the same key differ only in case, spaces or hyphens.
pub fn value_key(value: &str) -> String {
    value
        .chars()
        .filter(|c| {
            !c.is_whitespace() && *c != '-' && *c != '_' && *c != '\u{2010}' && *c != '\u{2013}'
        })
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_in_documented_order_with_documented_titles() {
        let titles: Vec<_> = Field::ALL.iter().map(|f| f.title()).collect();
        assert_eq!(
            titles.join(","),
            "ID,First Name,Last Name,Email Address,Phone,Market Segment,Sales Concept,Company,Position,Zip Code"
        );
        for (index, field) in Field::ALL.into_iter().enumerate() {
            assert_eq!(field.index(), index);
            assert_eq!(field.spec().field, field);
        }
    }

    #[test]
    fn a_field_is_found_by_its_exact_key_only() {
        for field in Field::ALL {
            assert_eq!(Field::by_key(field.key()), Some(field));
            // Titles and other spellings are for headers (`from_key`), not for keys.
            assert_eq!(Field::by_key(field.title()), None, "{}", field.title());
            assert_eq!(Field::by_key(&field.key().to_uppercase()), None);
        }
        assert_eq!(Field::by_key(""), None);
        assert_eq!(Field::by_key("notes"), None);
    }

    #[test]
    fn maximum_lengths_match_the_crm() {
        let max: Vec<_> = Field::ALL.iter().map(|f| f.max_chars()).collect();
        assert_eq!(
            max,
            [
                None,
                Some(25),
                Some(60),
                Some(80),
                Some(80),
                None,
                None,
                Some(60),
                Some(100),
                Some(15)
            ]
        );
    }

    #[test]
    fn header_key_ignores_case_spaces_and_punctuation() {
        assert_eq!(header_key("E-mail Address"), "emailaddress");
        assert_eq!(header_key("zip_code"), "zipcode");
        assert_eq!(header_key(" Work.Phone "), "workphone");
        assert_eq!(header_key("Prénom"), "prenom");
        assert_eq!(header_key("Société"), "societe");
    }

    #[test]
    fn value_key_ignores_case_spaces_and_hyphens_only() {
        assert_eq!(value_key("pre retirement"), value_key("Pre-Retirement"));
        assert_eq!(
            value_key("FIRST TIME HOME-BUYER"),
            value_key("First-Time Home Buyer")
        );
        assert_ne!(value_key("Retirement."), value_key("Retirement"));
    }

    #[test]
    fn fields_are_found_by_key_title_or_spelling() {
        assert_eq!(Field::from_key("firstName"), Some(Field::FirstName));
        assert_eq!(Field::from_key("Zip Code"), Some(Field::ZipCode));
        assert_eq!(Field::from_key("email_address"), Some(Field::Email));
        assert_eq!(Field::from_key("shoe size"), None);
    }

    #[test]
    fn fields_serialise_as_their_keys() {
        let json = serde_json::to_string(&Field::ALL).unwrap();
        assert_eq!(
            json,
            r#"["id","firstName","lastName","email","phone","marketSegment","salesConcept","company","position","zipCode"]"#
        );
    }
}
