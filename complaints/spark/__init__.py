"""Scale-out on Apache Spark: the same classification and churn features as the local path.

* `session.spark_session(master)`: a SparkSession (``local[2]`` by default, any master URL);
* `classify.classify_spark(df, artifact_folder)`: topic, pain point and confidence columns from the
  compact classify artifact, loaded once per Python worker (``mapInPandas``); text is cleaned and
  masked inside the worker and only masked text reaches the output;
* `features.features_spark(complaints, customers, ports, as_of, ...)`: the point-in-time churn
  features of `complaints.churn.features`, translated to Spark SQL, same columns and values;
* `export.export_tables(library, out_dir)`: the library's tables as parquet, so the same data feeds
  both paths.

pyspark is the optional extra ``spark`` (``pip install 'complaints[spark]'``); nothing here is
imported by the rest of the package.
"""

from .classify import OUTPUT_COLUMNS, classify_spark
from .export import TABLES, export_tables
from .features import features_from_dir, features_spark, read_input_dir, to_pandas
from .session import spark_session

__all__ = ["OUTPUT_COLUMNS", "TABLES", "classify_spark", "export_tables", "features_from_dir", "features_spark", "read_input_dir", "to_pandas",
           "spark_session"]
