# The constraints the image installs the project with: the official image's constraints
# (the first file, /home/airflow/constraints.txt), then the project's lock (the second
# file) only for packages the first does not name; comments are dropped. The image's
# versions win: its providers (celery, fab, ...) were released and tested with them.
# Names are compared as pip compares them: lower case, any run of - _ . as one -.
#
#   awk -F'==' -f image-constraints.awk /home/airflow/constraints.txt constraints.txt
/^[[:space:]]*(#|$)/ { next }  # comments and blank lines
{
    name = tolower($1)
    gsub(/[-_.]+/, "-", name)
}
NR == FNR { seen[name]; print; next }
!(name in seen)
